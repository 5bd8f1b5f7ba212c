import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../../gql';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { errorText } from '../../lib/errors';
import { hasErrors, MIN_PASSWORD, validateEmail, validateNewPassword, validateUsername } from '../../lib/validation';
import { Link, navigate, paths } from '../../router';
import { useSession } from '../../session';

const SignUpDocument = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      user {
        id
        username
      }
    }
  }
`);

type Fields = 'username' | 'email' | 'password';

export default function SignUpPage() {
  const [values, setValues] = useState({ username: '', email: '', fullName: '', password: '' });
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Fields, string | null>>>({});
  const [error, setError] = useState<string | null>(null);
  const [state, signUp] = useMutation(SignUpDocument);
  const { reset } = useSession();

  const set = (k: keyof typeof values) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [k]: e.target.value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const errs = {
      username: validateUsername(values.username.trim()),
      email: validateEmail(values.email.trim()),
      password: validateNewPassword(values.password),
    };
    setFieldErrors(errs);
    if (hasErrors(errs)) return;
    const r = await signUp({
      input: {
        username: values.username.trim(),
        email: values.email.trim(),
        password: values.password,
        fullName: values.fullName.trim() || null,
      },
    });
    if (r.error || !r.data) return setError(errorText(r.error) ?? 'Sign-up failed.');
    reset();
    navigate(paths.user(r.data.signUp.user.username));
  }

  return (
    <section className="narrow">
      <h1>Create an account</h1>
      <form className="stack card" onSubmit={submit} noValidate>
        <Field
          label="Username"
          name="username"
          autoComplete="username"
          value={values.username}
          onChange={set('username')}
          error={fieldErrors.username}
          hint="Lower case a–z, 0–9, _, - and .; at least 3 characters. It can never be changed."
          data-testid="signup-username"
          autoFocus
        />
        <Field label="Email" name="email" type="email" autoComplete="email" value={values.email} onChange={set('email')} error={fieldErrors.email} data-testid="signup-email" />
        <Field label="Full name (optional)" name="fullName" autoComplete="name" value={values.fullName} onChange={set('fullName')} data-testid="signup-fullname" />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          value={values.password}
          onChange={set('password')}
          error={fieldErrors.password}
          hint={`At least ${MIN_PASSWORD} characters, and not a password known from breaches.`}
          data-testid="signup-password"
        />
<ErrorMessage error={error} />
        <button type="submit" disabled={state.fetching} data-testid="signup-submit">
          {state.fetching ? 'Creating account…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/signin">Sign in</Link>.
      </p>
    </section>
  );
}
