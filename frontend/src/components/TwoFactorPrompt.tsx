import { useState } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import { errorText } from '../lib/errors';
import { ErrorMessage } from './ErrorMessage';
import { Field } from './Field';

const ConfirmTwoFactorDocument = graphql(`
  mutation ConfirmTwoFactor($input: ConfirmTwoFactorInput!) {
    confirmTwoFactor(input: $input) {
      sudoUntil
    }
  }
`);

/**
 * The inline prompt shown when the API answered TOTP_REQUIRED (sudo mode):
 * the user types a current code, confirmTwoFactor makes the session fresh,
 * and onConfirmed retries the action.
 */
export function TwoFactorPrompt({ onConfirmed, onCancel }: { onConfirmed: () => void; onCancel?: () => void }) {
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [state, confirm] = useMutation(ConfirmTwoFactorDocument);

  // Not a <form>: the prompt sits inside the form whose action it confirms.
  async function submit() {
    if (!code.trim()) return;
    setError(null);
    const r = await confirm({ input: { code: code.trim() } });
    if (r.error) return setError(errorText(r.error));
    setCode('');
    onConfirmed();
  }

  return (
    <div className="stack notice" role="group" data-testid="totp-prompt" aria-label="Confirm with a two-factor code">
      <p>
        <strong>Confirm it is you.</strong> Enter the current code from your authenticator app.
      </p>
      <Field label="Two-factor code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void submit();
          }
        }}
        data-testid="totp-prompt-code"
        autoFocus
      />
      <ErrorMessage error={error} />
      <div className="row">
        <button type="button" onClick={() => void submit()} disabled={state.fetching || !code.trim()} data-testid="totp-prompt-submit">
          {state.fetching ? 'Checking…' : 'Confirm'}
        </button>
        {onCancel ? (
          <button type="button" className="link-button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </div>
  );
}
