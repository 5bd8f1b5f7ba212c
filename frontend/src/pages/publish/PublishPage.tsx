import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../../gql';
import { ErrorMessage } from '../../components/ErrorMessage';
import { RequireViewer } from '../../components/RequireViewer';
import { errorText } from '../../lib/errors';
import { navigate, paths, useLocation } from '../../router';
import type { Viewer } from '../../session';

const PublishReleaseDocument = graphql(`
  mutation PublishRelease($input: PublishReleaseInput!) {
    publishRelease(input: $input) {
      replaced
      release {
        id
        version
        packageName
        package {
          id
          name
          private
          repositoryName
        }
      }
    }
  }
`);

/** Tarballs above the server's limit are refused there too; this saves the upload. */
export const MAX_TARBALL_BYTES = 16 * 1024 * 1024;

export function validateTarball(file: File | null): string | null {
  if (!file) return 'Choose a package tarball (.tar) to upload.';
  if (file.size === 0) return 'That file is empty.';
  if (file.size > MAX_TARBALL_BYTES) return 'The tarball is larger than 16 MiB, the most the registry accepts.';
  if (!/\.tar$/i.test(file.name)) return 'Choose the .tar file that `mix hex.build` or `rebar3 hex build` wrote.';
  return null;
}

export default function PublishPage() {
  return <RequireViewer>{(viewer) => <PublishForm viewer={viewer} />}</RequireViewer>;
}

function PublishForm({ viewer }: { viewer: Viewer }) {
  const { search } = useLocation();
  const writable = viewer.organizations.filter((o) => o.viewerRole === 'ADMIN' || o.viewerRole === 'WRITE');
  const [repository, setRepository] = useState(() => {
    const r = search.get('repository') ?? '';
    return writable.some((o) => o.name === r) ? r : '';
  });
  const [owner, setOwner] = useState('');
  const [replace, setReplace] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [state, publish] = useMutation(PublishReleaseDocument);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const fe = validateTarball(file);
    setFileError(fe);
    if (fe || !file) return;
    const r = await publish({
      input: { tarball: file, repository: repository || null, owner: !repository && owner ? owner : null, replace: replace || null },
    });
    if (r.error || !r.data) return setError(errorText(r.error) ?? 'Publishing failed.');
    const rel = r.data.publishRelease.release;
    navigate(paths.release(rel.package.name, rel.version, rel.package.private ? rel.package.repositoryName : null));
  }

  return (
    <section className="narrow">
      <h1>Publish a release</h1>
      <p className="muted">
        Build the tarball with <code>mix hex.build</code> or <code>rebar3 hex build</code>, then upload it here. A new version can be replaced or reverted for
        an hour after it is first published (a whole new package: for 24 hours).
      </p>
      <form className="stack card" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="tarball">Package tarball</label>
          <input
            id="tarball"
            type="file"
            accept=".tar,application/x-tar"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setFileError(null);
            }}
            aria-invalid={fileError ? true : undefined}
            aria-describedby={fileError ? 'tarball-error' : undefined}
            data-testid="publish-file"
          />
          {fileError ? (
            <small id="tarball-error" className="field-error" data-testid="field-error">
              {fileError}
            </small>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor="repository">Repository</label>
          <select id="repository" value={repository} onChange={(e) => setRepository(e.target.value)} data-testid="publish-repository">
            <option value="">Public (everyone can use it)</option>
            {writable.map((o) => (
              <option key={o.id} value={o.name}>
                Private to {o.displayName || o.name}
              </option>
            ))}
          </select>
        </div>
        {!repository ? (
          <div className="field">
            <label htmlFor="owner">Owner of a new package</label>
            <select id="owner" value={owner} onChange={(e) => setOwner(e.target.value)} data-testid="publish-owner">
              <option value="">Me ({viewer.username})</option>
              {writable.map((o) => (
                <option key={o.id} value={o.name}>
                  {o.displayName || o.name} (organization)
                </option>
              ))}
            </select>
            <small className="hint">Only used when the package does not exist yet.</small>
          </div>
        ) : null}
        <label className="check">
          <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} data-testid="publish-replace" /> Replace the version if it
          exists (only while its window is open)
        </label>
        <ErrorMessage error={error} />
        <button type="submit" disabled={state.fetching} data-testid="publish-submit">
          {state.fetching ? 'Publishing…' : 'Publish'}
        </button>
      </form>
    </section>
  );
}
