import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../../gql';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { Empty } from '../../components/States';
import { errorText } from '../../lib/errors';
import { validateOrgName } from '../../lib/validation';
import { Link, navigate, paths } from '../../router';
import type { Viewer } from '../../session';

const CreateOrganizationDocument = graphql(`
  mutation CreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      organization {
        id
        name
      }
    }
  }
`);

export function Organizations({ organizations }: { organizations: Viewer['organizations'] }) {
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [nameError, setNameError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [state, create] = useMutation(CreateOrganizationDocument);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const n = name.trim();
    const err = validateOrgName(n);
    setNameError(err);
    if (err) return;
    const r = await create({ input: { name: n, displayName: displayName.trim() || null } });
    if (r.error || !r.data) return setError(errorText(r.error) ?? 'Could not create the organization.');
    navigate(paths.org(r.data.createOrganization.organization.name));
  }

  return (
    <section className="card" aria-labelledby="orgs-title">
      <h2 id="orgs-title">Organizations</h2>
      {organizations.length ? (
        <ul className="plain">
          {organizations.map((o) => (
            <li key={o.id}>
              <Link to={paths.org(o.name)}>{o.displayName || o.name}</Link> <span className="badge">{o.viewerRole?.toLowerCase() ?? 'member'}</span>
            </li>
          ))}
        </ul>
      ) : (
        <Empty>You are not a member of any organization.</Empty>
      )}
      <form className="stack" onSubmit={submit} noValidate aria-labelledby="new-org-title">
        <h3 id="new-org-title">New organization</h3>
        <p className="muted small">Organizations own packages together. Public packages are free; private packages need a subscription.</p>
        <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} error={nameError} hint="a–z, 0–9 and _; at least 3 characters." data-testid="org-name" />
        <Field label="Display name (optional)" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        <ErrorMessage error={error} />
        <button type="submit" disabled={state.fetching} data-testid="create-org-submit">
          {state.fetching ? 'Creating…' : 'Create organization'}
        </button>
      </form>
    </section>
  );
}
