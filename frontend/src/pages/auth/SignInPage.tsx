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
    reset();
    if (r.data.signIn.passwordBreached) navigate('/settings?breached=1');
    else navigate(safeNext(search.get('next')));
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
