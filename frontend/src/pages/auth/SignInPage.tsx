import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../../gql';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { errorText } from '../../lib/errors';
import { Link, navigate, useLocation } from '../../router';
import { useSession } from '../../session';

const SignInDocument = graphql(`
  mutation SignIn($input: SignInInput!) {
    signIn(input: $input) {
      passwordBreached
      twoFactorRequired
      challenge
      user {
        id
        username
      }
    }
  }
`);

const CompleteSignInDocument = graphql(`
  mutation CompleteSignIn($input: CompleteSignInInput!) {
    completeSignIn(input: $input) {
      user {
        id
        username
      }
    }
  }
`);

/** Only same-site paths are followed after sign-in. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export default function SignInPage() {
  const { search } = useLocation();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [fieldErrors, setFieldErrors] = useState<{ login?: string; password?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [state, signIn] = useMutation(SignInDocument);
  const [completeState, complete] = useMutation(CompleteSignInDocument);
  const [challenge, setChallenge] = useState<{ token: string; breached: boolean } | null>(null);
  const [code, setCode] = useState('');
  const { reset } = useSession();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const errs = {
      login: login.trim() ? undefined : 'Enter your username or email.',
      password: password ? undefined : 'Enter your password.',
    };
    setFieldErrors(errs);
    if (errs.login || errs.password) return;
    const r = await signIn({ input: { login: login.trim(), password } });
    if (r.error || !r.data) return setError(errorText(r.error) ?? 'Sign-in failed.');
    if (r.data.signIn.twoFactorRequired && r.data.signIn.challenge) {
      setChallenge({ token: r.data.signIn.challenge, breached: r.data.signIn.passwordBreached });
      return;
    }
    done(r.data.signIn.passwordBreached);
  }

  function done(breached: boolean) {
    reset();
    if (breached) navigate('/settings?breached=1');
    else navigate(safeNext(search.get('next')));
  }

  async function submitCode(e: FormEvent) {
    e.preventDefault();
    if (!challenge) return;
    setError(null);
    if (!code.trim()) return setError('Enter the code from your authenticator app or a recovery code.');
    const r = await complete({ input: { challenge: challenge.token, code: code.trim() } });
    if (r.error || !r.data) {
      if (r.error?.graphQLErrors.some((g) => g.extensions?.code === 'UNAUTHENTICATED')) setChallenge(null);
      return setError(errorText(r.error) ?? 'Sign-in failed.');
    }
    done(challenge.breached);
  }

  if (challenge) {
    return (
      <section className="narrow">
        <h1>Two-factor authentication</h1>
        <form className="stack card" onSubmit={submitCode} noValidate>
          <Field
            label="Code from your authenticator app, or a recovery code"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            data-testid="signin-code"
            autoFocus
          />
          <ErrorMessage error={error} />
          <button type="submit" disabled={completeState.fetching} data-testid="signin-code-submit">
            {completeState.fetching ? 'Checking…' : 'Sign in'}
          </button>
        </form>
      </section>
    );
  }

  return (
    <section className="narrow">
      <h1>Sign in</h1>
      <form className="stack card" onSubmit={submit} noValidate>
        <Field
          label="Username or email"
          name="login"
          autoComplete="username"
          value={login}
          onChange={(e) => setLogin(e.target.value)}
          error={fieldErrors.login}
          data-testid="signin-login"
          autoFocus
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fieldErrors.password}
          data-testid="signin-password"
        />
        <ErrorMessage error={error} />
        <button type="submit" disabled={state.fetching} data-testid="signin-submit">
          {state.fetching ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        New here? <Link to="/signup">Create an account</Link>.
      </p>
    </section>
  );
}
