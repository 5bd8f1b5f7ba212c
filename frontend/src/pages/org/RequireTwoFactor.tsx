import { useState } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../../gql';
import { ErrorMessage } from '../../components/ErrorMessage';
import { TwoFactorPrompt } from '../../components/TwoFactorPrompt';
import { errorText, hasCode } from '../../lib/errors';

const SetOrganizationTwoFactorDocument = graphql(`
  mutation SetOrganizationTwoFactor($input: SetOrganizationTwoFactorInput!) {
    setOrganizationTwoFactor(input: $input) {
      organization {
        id
        requireTwoFactor
      }
    }
  }
`);

/** The admin's switch: require two-factor authentication of members. */
export function RequireTwoFactor({ org, required }: { org: string; required: boolean }) {
  const [state, set] = useMutation(SetOrganizationTwoFactorDocument);
  const [error, setError] = useState<string | null>(null);
  const [sudo, setSudo] = useState(false);

  async function toggle() {
    setError(null);
    setSudo(false);
    const r = await set({ input: { organization: org, require: !required } });
    if (hasCode(r.error, 'TOTP_REQUIRED')) return setSudo(true);
    if (r.error) setError(errorText(r.error));
  }

  return (
    <div className="stack" data-testid="org-require-2fa">
      <label className="check">
        <input type="checkbox" checked={required} disabled={state.fetching} onChange={() => void toggle()} data-testid="org-require-2fa-toggle" /> Require
        two-factor authentication of members (members without it can only read)
      </label>
      <ErrorMessage error={error} />
      {sudo ? <TwoFactorPrompt onConfirmed={() => void toggle()} onCancel={() => setSudo(false)} /> : null}
    </div>
  );
}
