import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import { ConfirmButton } from '../../components/ConfirmButton';
import { CopyButton } from '../../components/CopyButton';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { RelativeTime } from '../../components/RelativeTime';
import { Empty, QueryState } from '../../components/States';
import { TwoFactorPrompt } from '../../components/TwoFactorPrompt';
import { errorText, hasCode } from '../../lib/errors';
import { expiryFromDays, parseScopes } from '../../lib/scopes';

const ApiKeysDocument = graphql(`
  query ApiKeys {
    apiKeys {
      id
      name
      prefix
      scopes
      createdAt
      expiresAt
      revokedAt
      lastUsedAt
      lastUsedIP
      active
      writesNeedCode
    }
  }
`);

const CreateApiKeyDocument = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      secret
      apiKey {
        id
        name
        prefix
        scopes
      }
    }
  }
`);

const RevokeApiKeyDocument = graphql(`
  mutation RevokeApiKey($input: RevokeApiKeyInput!) {
    revokeApiKey(input: $input) {
      apiKey {
        id
        active
        revokedAt
      }
    }
  }
`);

export function ApiKeys() {
  const [{ data, fetching, error }, refetch] = useQuery({ query: ApiKeysDocument, requestPolicy: 'cache-and-network' });
  const [revokeState, revoke] = useMutation(RevokeApiKeyDocument);
  const [revokeError, setRevokeError] = useState<{ id: string; text: string } | null>(null);

  async function doRevoke(id: string) {
    setRevokeError(null);
    const r = await revoke({ input: { id } });
    if (r.error) setRevokeError({ id, text: errorText(r.error) ?? 'Failed' });
  }

  return (
    <section className="card" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <p className="muted small">
        For CI and other integrations. Send a key as <code>Authorization: Bearer &lt;secret&gt;</code>.
      </p>
      <QueryState fetching={fetching} error={error} hasData={!!data}>
        {data?.apiKeys.length ? (
          <div className="table-wrap">
            <table className="keys">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.apiKeys.map((k) => (
                  <tr key={k.id} data-testid="api-key-row" data-key-name={k.name}>
                    <td>
                      {k.name} <code className="muted">{k.prefix}…</code>
                    </td>
                    <td>
                      {k.scopes.join(', ')}
                      {k.writesNeedCode ? <span className="badge"> writes need a code</span> : null}
                    </td>
                    <td>
                      <RelativeTime value={k.createdAt} />
                    </td>
                    <td>{k.lastUsedAt ? <RelativeTime value={k.lastUsedAt} /> : <span className="muted">never</span>}</td>
                    <td>
                      {k.active ? (
                        <span className="badge badge-ok">active</span>
                      ) : k.revokedAt ? (
                        <span className="badge">revoked</span>
                      ) : (
                        <span className="badge">expired</span>
                      )}
                      {k.expiresAt && k.active ? (
                        <span className="muted small">
                          {' '}
                          expires <RelativeTime value={k.expiresAt} />
                        </span>
                      ) : null}
                    </td>
                    <td>
                      {k.active ? (
                        <ConfirmButton
                          label="Revoke"
                          className="danger small"
                          question={`Revoke “${k.name}”? Integrations using it stop working.`}
                          confirmLabel="Revoke key"
                          busy={revokeState.fetching}
                          onConfirm={() => doRevoke(k.id)}
                          testId="revoke-api-key"
                        />
                      ) : null}
                      {revokeError?.id === k.id ? <ErrorMessage error={revokeError.text} /> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <Empty>No API keys yet.</Empty>
        )}
      </QueryState>
      <CreateKeyForm onCreated={() => refetch({ requestPolicy: 'network-only' })} />
    </section>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [read, setRead] = useState(true);
  const [write, setWrite] = useState(false);
  const [extra, setExtra] = useState('');
  const [days, setDays] = useState('');
  const [needCode, setNeedCode] = useState(false);
  const [sudo, setSudo] = useState(false);
  const [nameError, setNameError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [state, create] = useMutation(CreateApiKeyDocument);

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    setError(null);
    setSudo(false);
    setNameError(name.trim() ? null : 'Give the key a name.');
    const { scopes, error: scopeError } = parseScopes([...(read ? ['api:read'] : []), ...(write ? ['api:write'] : [])], extra);
    if (!name.trim()) return;
    if (scopeError) return setError(scopeError);
    const r = await create({ input: { name: name.trim(), scopes, expiresAt: expiryFromDays(days), writesNeedCode: needCode } });
    if (hasCode(r.error, 'TOTP_REQUIRED')) return setSudo(true);
    if (r.error || !r.data) return setError(errorText(r.error) ?? 'Could not create the key.');
    setSecret({ name: r.data.createApiKey.apiKey.name, secret: r.data.createApiKey.secret });
    setName('');
    setExtra('');
    onCreated();
  }

  return (
    <>
      {secret ? (
        <div className="notice ok secret-box" role="status">
          <p>
            <strong>New key “{secret.name}”.</strong> Copy the secret now: it is shown only this once.
          </p>
          <div className="row">
            <code className="secret" data-testid="api-key-secret">
              {secret.secret}
            </code>
            <CopyButton text={secret.secret} testId="copy-api-key-secret" />
          </div>
          <button type="button" className="link-button" onClick={() => setSecret(null)}>
            I have copied it
          </button>
        </div>
      ) : null}
      <form className="stack" onSubmit={submit} noValidate aria-labelledby="new-key-title">
        <h3 id="new-key-title">New API key</h3>
        <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} error={nameError} placeholder="e.g. ci-release" data-testid="api-key-name" />
        <fieldset className="checks">
          <legend>Scopes</legend>
          <label className="check">
            <input type="checkbox" checked={read} onChange={(e) => setRead(e.target.checked)} data-testid="scope-read" /> <code>api:read</code> — read the API
          </label>
          <label className="check">
            <input type="checkbox" checked={write} onChange={(e) => setWrite(e.target.checked)} data-testid="scope-write" /> <code>api:write</code> — publish and
            manage
          </label>
          <label className="check">
            <input type="checkbox" checked={needCode} onChange={(e) => setNeedCode(e.target.checked)} data-testid="key-writes-need-code" /> writes need a
            two-factor code (<code>x-hex-otp</code> / <code>X-Depot-OTP</code>)
          </label>
        </fieldset>
        <Field
          label="More scopes (optional)"
          value={extra}
          onChange={(e) => setExtra(e.target.value)}
          placeholder="package:NAME, repository:ORG, docs:ORG"
          hint="Limit the key to one package or one organization's repository."
          spellCheck={false}
        />
        <div className="field">
          <label htmlFor="key-expiry">Expires</label>
          <select id="key-expiry" value={days} onChange={(e) => setDays(e.target.value)}>
            <option value="">Never</option>
            <option value="7">In 7 days</option>
            <option value="30">In 30 days</option>
            <option value="90">In 90 days</option>
            <option value="365">In a year</option>
          </select>
        </div>
        <ErrorMessage error={error} />
        {sudo ? <TwoFactorPrompt onConfirmed={() => void submit()} onCancel={() => setSudo(false)} /> : null}
        <button type="submit" disabled={state.fetching} data-testid="create-api-key-submit">
          {state.fetching ? 'Creating…' : 'Create key'}
        </button>
      </form>
    </>
  );
}
