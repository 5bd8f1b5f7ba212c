import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../../gql';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { TwoFactorPrompt } from '../../components/TwoFactorPrompt';
import { errorText, hasCode } from '../../lib/errors';
import { MIN_PASSWORD, validateNewPassword } from '../../lib/validation';

const ChangePasswordDocument = graphql(`
  mutation ChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input) {
      user {
        id
      }
    }
  }
`);

export function ChangePasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [fieldErrors, setFieldErrors] = useState<{ current?: string | null; next?: string | null; confirm?: string | null }>({});
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [sudo, setSudo] = useState(false);
  const [state, change] = useMutation(ChangePasswordDocument);

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    setError(null);
    setSudo(false);
    setDone(false);
    const errs = {
      current: current ? null : 'Enter your current password.',
      next: validateNewPassword(next) ?? (next === current ? 'Choose a password different from the current one.' : null),
      confirm: next === confirm ? null : 'The passwords do not match.',
    };
    setFieldErrors(errs);
    if (errs.current || errs.next || errs.confirm) return;
    const r = await change({ input: { currentPassword: current, newPassword: next } });
    if (hasCode(r.error, 'TOTP_REQUIRED')) return setSudo(true);
    if (r.error) return setError(errorText(r.error));
    setCurrent('');
    setNext('');
    setConfirm('');
    setDone(true);
  }

  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">Change password</h2>
      <form className="stack" onSubmit={submit} noValidate>
        <Field label="Current password" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} error={fieldErrors.current} data-testid="current-password" />
        <Field
          label="New password"
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          error={fieldErrors.next}
          hint={`At least ${MIN_PASSWORD} characters, and not a known breached password. Your other sessions are signed out.`}
          data-testid="new-password"
        />
        <Field label="Repeat new password" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} error={fieldErrors.confirm} data-testid="confirm-password" />
        <ErrorMessage error={error} />
        {sudo ? <TwoFactorPrompt onConfirmed={() => void submit()} onCancel={() => setSudo(false)} /> : null}
        {done ? (
          <p className="success" role="status" data-testid="password-changed">
            Password changed.
          </p>
        ) : null}
        <button type="submit" disabled={state.fetching} data-testid="change-password-submit">
          {state.fetching ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}
