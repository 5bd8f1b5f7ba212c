import { useState, type FormEvent } from 'react';
import { useSudoMutation } from '../../components/Sudo';
import { graphql } from '../../gql';
import type { OwnerLevel } from '../../gql/graphql';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorMessage } from '../../components/ErrorMessage';
import { errorText } from '../../lib/errors';
import { Link, navigate, paths } from '../../router';

const AddOwnerDocument = graphql(`
  mutation AddPackageOwner($input: AddPackageOwnerInput!) {
    addPackageOwner(input: $input) {
      package {
        id
      }
    }
  }
`);

const RemoveOwnerDocument = graphql(`
  mutation RemovePackageOwner($input: RemovePackageOwnerInput!) {
    removePackageOwner(input: $input) {
      package {
        id
      }
    }
  }
`);

const TransferDocument = graphql(`
  mutation TransferPackage($input: TransferPackageInput!) {
    transferPackage(input: $input) {
      package {
        id
        name
        repositoryName
        private
      }
    }
  }
`);

type Account = { __typename: 'User'; id: string; username: string; fullName: string } | { __typename: 'Organization'; id: string; name: string; displayName: string };

export interface OwnerRow {
  level: OwnerLevel;
  account: Account;
}

function accountName(a: Account) {
  return a.__typename === 'User' ? a.username : a.name;
}

export function OwnersPanel({
  name,
  repository,
  owners,
  canManage,
}: {
  name: string;
  repository: string | null;
  owners: readonly OwnerRow[];
  canManage: boolean;
}) {
  const [removeState, remove] = useSudoMutation(RemoveOwnerDocument);
  const [removeError, setRemoveError] = useState<{ who: string; text: string } | null>(null);

  async function doRemove(owner: string) {
    setRemoveError(null);
    const r = await remove({ input: { package: name, repository, owner } });
    if (r.error) setRemoveError({ who: owner, text: errorText(r.error) ?? 'Failed' });
  }

  return (
    <section className="card" aria-labelledby="owners-title" data-testid="owners">
      <h2 id="owners-title">Owners</h2>
      <ul className="owners">
        {owners.map((o) => {
          const who = accountName(o.account);
          return (
            <li key={o.account.id} data-testid="owner-row" data-owner={who}>
              <span>
                <Link to={o.account.__typename === 'User' ? paths.user(who) : paths.org(who)}>{who}</Link>{' '}
                {o.account.__typename === 'Organization' ? <span className="badge">org</span> : null}
                <span className="badge">{o.level === 'FULL' ? 'full' : 'maintainer'}</span>
              </span>
              {canManage ? (
                <ConfirmButton
                  label="Remove"
                  className="danger small"
                  question={`Remove ${who} as owner of ${name}?`}
                  confirmLabel="Remove owner"
                  busy={removeState.fetching}
                  onConfirm={() => doRemove(who)}
                  testId="remove-owner-button"
                />
              ) : null}
              {removeError?.who === who ? <ErrorMessage error={removeError.text} /> : null}
            </li>
          );
        })}
      </ul>
      {canManage ? (
        <>
          <AddOwnerForm name={name} repository={repository} />
          <TransferForm name={name} repository={repository} />
        </>
      ) : null}
    </section>
  );
}

function AddOwnerForm({ name, repository }: { name: string; repository: string | null }) {
  const [owner, setOwner] = useState('');
  const [level, setLevel] = useState<OwnerLevel>('MAINTAINER');
  const [error, setError] = useState<string | null>(null);
  const [state, add] = useSudoMutation(AddOwnerDocument);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const who = owner.trim().toLowerCase();
    if (!who) return setError('Enter a username or organization name.');
    const r = await add({ input: { package: name, repository, owner: who, level } });
    if (r.error) setError(errorText(r.error));
    else setOwner('');
  }

  return (
    <form className="stack compact" onSubmit={submit} aria-labelledby="add-owner-title" noValidate>
      <h3 id="add-owner-title">Add an owner</h3>
      <div className="row">
        <label className="field grow">
          <span>Username or organization</span>
          <input value={owner} onChange={(e) => setOwner(e.target.value)} autoComplete="off" spellCheck={false} required />
        </label>
        <label className="field">
          <span>Level</span>
          <select value={level} onChange={(e) => setLevel(e.target.value as OwnerLevel)}>
            <option value="MAINTAINER">Maintainer</option>
            <option value="FULL">Full</option>
          </select>
        </label>
      </div>
      <ErrorMessage error={error} />
      <button type="submit" disabled={state.fetching} data-testid="add-owner-submit">
        {state.fetching ? 'Adding…' : 'Add owner'}
      </button>
    </form>
  );
}

function TransferForm({ name, repository }: { name: string; repository: string | null }) {
  const [to, setTo] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [state, transfer] = useSudoMutation(TransferDocument);

  async function doTransfer() {
    setError(null);
    const target = to.trim().toLowerCase();
    const r = await transfer({ input: { package: name, repository, to: target } });
    if (r.error) return setError(errorText(r.error));
    setDone(target);
    const p = r.data?.transferPackage.package;
    if (p) navigate(paths.package(p.name, p.private ? p.repositoryName : null), { replace: true });
  }

  return (
    <form className="stack compact" onSubmit={(e) => e.preventDefault()} aria-labelledby="transfer-title" noValidate>
      <h3 id="transfer-title">Transfer</h3>
      <p className="muted small">The new owner becomes the only full owner; every other owner is removed.</p>
      <label className="field">
        <span>New owner (user or organization)</span>
        <input value={to} onChange={(e) => setTo(e.target.value)} autoComplete="off" spellCheck={false} />
      </label>
      <ErrorMessage error={error} />
      {done ? <p className="success" role="status">Transferred to {done}.</p> : null}
      <ConfirmButton
        label="Transfer…"
        question={`Transfer ${name} to ${to.trim() || '…'}? You may lose your ownership.`}
        confirmLabel="Transfer package"
        disabled={!to.trim()}
        busy={state.fetching}
        onConfirm={doTransfer}
        testId="transfer-submit"
      />
    </form>
  );
}
