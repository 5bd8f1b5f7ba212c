import { useState } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../../gql';
import { ErrorMessage } from '../../components/ErrorMessage';
import { TwoFactorPrompt } from '../../components/TwoFactorPrompt';
import { RelativeTime } from '../../components/RelativeTime';
import { errorText, hasCode } from '../../lib/errors';

const ExportOrganizationDocument = graphql(`
  mutation ExportOrganization($input: ExportOrganizationInput!) {
    exportOrganization(input: $input) {
      downloadUrl
      expiresAt
      repository
      publicKey
      packages
      releases
      docs
      size
    }
  }
`);

/** The admin's export: a signed static Hex registry of the organization, as a tar.gz to download. */
export function ExportRegistry({ org }: { org: string }) {
  const [state, run] = useMutation(ExportOrganizationDocument);
  const [privateKey, setPrivateKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sudo, setSudo] = useState(false);
  const result = state.data?.exportOrganization;

  async function submit() {
    setError(null);
    setSudo(false);
    const r = await run({ input: { organization: org, privateKey: privateKey.trim() ? privateKey : null } });
    if (hasCode(r.error, 'TOTP_REQUIRED')) return setSudo(true);
    if (r.error) setError(errorText(r.error));
  }

  return (
    <section aria-labelledby="org-export" data-testid="org-export">
      <h2 id="org-export">Export</h2>
      <p className="muted">
        Every package, release, docs tarball and their metadata, as a static Hex registry (tar.gz) that any file server can serve and <code>depot import</code>{' '}
        reads. It works after the subscription ends, for as long as the data is kept.
      </p>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label>
          Private key to sign it with (PEM, optional; without one, a fresh key signs this export and is thrown away)
          <textarea rows={4} value={privateKey} onChange={(e) => setPrivateKey(e.target.value)} data-testid="org-export-key" spellCheck={false} />
        </label>
        <div>
          <button type="submit" disabled={state.fetching} data-testid="org-export-submit">
            {state.fetching ? 'Exporting…' : 'Export'}
          </button>
        </div>
      </form>
      <ErrorMessage error={error} />
      {sudo ? <TwoFactorPrompt onConfirmed={() => void submit()} onCancel={() => setSudo(false)} /> : null}
      {result && !error ? (
        <div className="notice" data-testid="org-export-result">
          <p>
            {result.packages} packages, {result.releases} releases, {result.docs} docs tarballs ({result.size} bytes), signed as repository{' '}
            <code>{result.repository}</code>.{' '}
            <a href={result.downloadUrl} data-testid="org-export-download">
              Download
            </a>{' '}
            (link expires <RelativeTime value={result.expiresAt} />)
          </p>
          <details>
            <summary>Public key</summary>
            <pre data-testid="org-export-public-key">{result.publicKey}</pre>
          </details>
        </div>
      ) : null}
    </section>
  );
}
