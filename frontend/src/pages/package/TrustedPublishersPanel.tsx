import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import type { TrustedPublisherKind } from '../../gql/graphql';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorMessage } from '../../components/ErrorMessage';
import { errorText } from '../../lib/errors';

const TrustedPublishersDocument = graphql(`
  query TrustedPublishers($name: String!) {
    trustedPublisherKinds {
      kind
      claims {
        name
        required
      }
      anyClaims
      needsIssuer
    }
    package(name: $name) {
      id
      trustedPublishers {
        id
        kind
        description
        createdAt
      }
    }
  }
`);

const AddTrustedPublisherDocument = graphql(`
  mutation AddTrustedPublisher($input: AddTrustedPublisherInput!) {
    addTrustedPublisher(input: $input) {
      trustedPublisher {
        id
        description
      }
    }
  }
`);

const RemoveTrustedPublisherDocument = graphql(`
  mutation RemoveTrustedPublisher($input: RemoveTrustedPublisherInput!) {
    removeTrustedPublisher(input: $input) {
      trustedPublisher {
        id
      }
    }
  }
`);

/** A kind of publisher as the server describes it (Query.trustedPublisherKinds). */
export interface KindSpec {
  kind: TrustedPublisherKind;
  claims: readonly { name: string; required: boolean }[];
  anyClaims: boolean;
  needsIssuer: boolean;
}

// How the claims the server names read in the form (words only; which
// claims a kind takes, and which are required, come from the server).
const claimText: Record<string, { label: string; placeholder?: string }> = {
  repository_owner: { label: 'Repository owner', placeholder: 'acme' },
  repository: { label: 'Repository', placeholder: 'acme/my_lib' },
  workflow: { label: 'Workflow file', placeholder: 'release.yml' },
  environment: { label: 'Environment' },
  project_path: { label: 'Project path', placeholder: 'group/my_lib' },
  ref: { label: 'Ref', placeholder: 'refs/tags/v1.0.0' },
  sub: { label: 'Subject (sub)', placeholder: 'repo:acme/my_lib' },
};

const labelOf = (name: string) => claimText[name]?.label ?? name;

/** Trusted publishers of a public package: shown to full owners only (the API refuses others). */
export function TrustedPublishersPanel({ name }: { name: string }) {
  const [{ data, error, fetching }] = useQuery({ query: TrustedPublishersDocument, variables: { name } });
  const [removeState, remove] = useMutation(RemoveTrustedPublisherDocument);
  const [removeError, setRemoveError] = useState<string | null>(null);
  const publishers = data?.package?.trustedPublishers ?? [];

  async function doRemove(id: string) {
    setRemoveError(null);
    const r = await remove({ input: { id } }, { additionalTypenames: ['TrustedPublisher'] });
    if (r.error) setRemoveError(errorText(r.error));
  }

  return (
    <section className="card" aria-labelledby="trusted-title" data-testid="trusted-publishers">
      <h2 id="trusted-title">Trusted publishers</h2>
      <p className="muted small">
        CI jobs matching a trusted publisher exchange their OIDC token for a key that publishes this package for 15 minutes, with no stored secret.
      </p>
      {error ? <ErrorMessage error={errorText(error)} /> : null}
      {!fetching && !error && publishers.length === 0 ? <p className="muted">None yet.</p> : null}
      <ul className="owners">
        {publishers.map((p) => (
          <li key={p.id} data-testid="trusted-publisher-row">
            <span>{p.description}</span>
            <ConfirmButton
              label="Remove"
              className="danger small"
              question="Remove this trusted publisher? Keys it issued stop working."
              confirmLabel="Remove publisher"
              busy={removeState.fetching}
              onConfirm={() => doRemove(p.id)}
              testId="remove-trusted-publisher"
            />
          </li>
        ))}
      </ul>
      <ErrorMessage error={removeError} />
      <AddTrustedPublisherForm name={name} kinds={data?.trustedPublisherKinds ?? []} />
    </section>
  );
}

export function AddTrustedPublisherForm({ name, kinds }: { name: string; kinds: readonly KindSpec[] }) {
  const [kind, setKind] = useState<TrustedPublisherKind>('GITHUB');
  const [issuer, setIssuer] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [state, add] = useMutation(AddTrustedPublisherDocument);
  const spec = kinds.find((k) => k.kind === kind);
  const fields = spec?.claims ?? [];

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const missing = fields.find((f) => f.required && !(values[f.name] ?? '').trim());
    if (missing) return setError(`Enter the ${labelOf(missing.name).toLowerCase()}.`);
    if (spec?.needsIssuer && !issuer.trim()) return setError('Enter the issuer URL.');
    const claims = fields
      .map((f) => ({ name: f.name, value: (values[f.name] ?? '').trim() }))
      .filter((c) => c.value !== '');
    if (spec?.anyClaims && claims.length === 0) return setError('Enter at least one claim the token must carry.');
    const r = await add(
      { input: { package: name, kind, issuer: issuer.trim() || null, claims } },
      { additionalTypenames: ['TrustedPublisher'] },
    );
    if (r.error) setError(errorText(r.error));
    else setValues({});
  }

  return (
    <form className="stack compact" onSubmit={submit} aria-labelledby="add-trusted-title" noValidate>
      <h3 id="add-trusted-title">Add a trusted publisher</h3>
      <label className="field">
        <span>CI</span>
        <select
          value={kind}
          onChange={(e) => {
            setKind(e.target.value as TrustedPublisherKind);
            setValues({});
          }}
          data-testid="trusted-kind"
        >
          <option value="GITHUB">GitHub Actions</option>
          <option value="GITLAB">GitLab CI</option>
          <option value="OIDC">Other OIDC issuer (Gitea, Forgejo, …)</option>
        </select>
      </label>
      <label className="field">
        <span>Issuer URL{spec?.needsIssuer ? '' : ' (only for GitHub Enterprise Server or a self-managed GitLab)'}</span>
        <input value={issuer} onChange={(e) => setIssuer(e.target.value)} autoComplete="off" spellCheck={false} data-testid="trusted-issuer" />
      </label>
      {fields.map((f) => (
        <label className="field" key={kind + f.name}>
          <span>
            {labelOf(f.name)}
            {f.required ? '' : ' (optional)'}
          </span>
          <input
            value={values[f.name] ?? ''}
            placeholder={claimText[f.name]?.placeholder}
            onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
            autoComplete="off"
            spellCheck={false}
            data-testid={`trusted-claim-${f.name}`}
          />
        </label>
      ))}
      <ErrorMessage error={error} />
      <button type="submit" disabled={state.fetching} data-testid="add-trusted-submit">
        {state.fetching ? 'Adding…' : 'Add trusted publisher'}
      </button>
    </form>
  );
}
