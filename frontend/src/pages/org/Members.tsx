import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../../gql';
import type { OrganizationRole } from '../../gql/graphql';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorMessage } from '../../components/ErrorMessage';
import { errorText } from '../../lib/errors';
import { Link, navigate, paths } from '../../router';

const AddMemberDocument = graphql(`
  mutation AddMember($input: AddMemberInput!) {
    addMember(input: $input) {
      membership {
        id
        role
      }
    }
  }
`);

const RemoveMemberDocument = graphql(`
  mutation RemoveMember($input: RemoveMemberInput!) {
    removeMember(input: $input) {
      organization {
        id
      }
    }
  }
`);

const SetMemberRoleDocument = graphql(`
  mutation SetMemberRole($input: SetMemberRoleInput!) {
    setMemberRole(input: $input) {
      membership {
        id
        role
      }
    }
  }
`);

const roles: OrganizationRole[] = ['ADMIN', 'WRITE', 'READ'];
const roleLabel: Record<OrganizationRole, string> = { ADMIN: 'Admin', WRITE: 'Write', READ: 'Read' };

interface Member {
  id: string;
  role: OrganizationRole;
  twoFactorEnabled?: boolean | null;
  user: { id: string; username: string; fullName: string };
}

export function Members({ org, members, isAdmin, viewerUsername }: { org: string; members: readonly Member[]; isAdmin: boolean; viewerUsername: string | null }) {
  const [rowError, setRowError] = useState<{ username: string; text: string } | null>(null);
  const [roleState, setRole] = useMutation(SetMemberRoleDocument);
  const [removeState, remove] = useMutation(RemoveMemberDocument);

  async function changeRole(username: string, role: OrganizationRole) {
    setRowError(null);
    const r = await setRole({ input: { organization: org, username, role } });
    if (r.error) setRowError({ username, text: errorText(r.error) ?? 'Failed' });
  }

  async function doRemove(username: string) {
    setRowError(null);
    const r = await remove({ input: { organization: org, username } });
    if (r.error) return setRowError({ username, text: errorText(r.error) ?? 'Failed' });
    if (username === viewerUsername) navigate('/settings');
  }

  const showTFA = isAdmin && members.some((m) => m.twoFactorEnabled != null);
  return (
    <section aria-labelledby="members-title" className="card">
      <h2 id="members-title">Members ({members.length})</h2>
      <div className="table-wrap">
        <table className="members">
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
              {showTFA ? <th scope="col">Two-factor</th> : null}
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => {
              const self = m.user.username === viewerUsername;
              return (
                <tr key={m.id} data-testid="member-row" data-username={m.user.username}>
                  <td>
                    <Link to={paths.user(m.user.username)}>{m.user.username}</Link>
                    {m.user.fullName ? <span className="muted"> {m.user.fullName}</span> : null}
                    {self ? <span className="badge">you</span> : null}
                  </td>
                  <td>
                    {isAdmin ? (
                      <select
                        aria-label={`Role of ${m.user.username}`}
                        value={m.role}
                        disabled={roleState.fetching}
                        onChange={(e) => changeRole(m.user.username, e.target.value as OrganizationRole)}
                        data-testid="member-role-select"
                      >
                        {roles.map((r) => (
                          <option key={r} value={r}>
                            {roleLabel[r]}
                          </option>
                        ))}
                      </select>
                    ) : (
                      roleLabel[m.role]
                    )}
                  </td>
                  {showTFA ? (
                    <td data-testid="member-2fa">{m.twoFactorEnabled ? <span className="badge badge-ok">on</span> : <span className="badge">off</span>}</td>
                  ) : null}
                  <td>
                    {isAdmin || self ? (
                      <ConfirmButton
                        label={self ? 'Leave' : 'Remove'}
                        className="danger small"
                        question={self ? `Leave ${org}?` : `Remove ${m.user.username} from ${org}?`}
                        confirmLabel={self ? 'Leave organization' : 'Remove member'}
                        busy={removeState.fetching}
                        onConfirm={() => doRemove(m.user.username)}
                        testId="remove-member-button"
                      />
                    ) : null}
                    {rowError?.username === m.user.username ? <ErrorMessage error={rowError.text} /> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {isAdmin ? <AddMemberForm org={org} /> : null}
    </section>
  );
}

function AddMemberForm({ org }: { org: string }) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<OrganizationRole>('READ');
  const [error, setError] = useState<string | null>(null);
  const [state, add] = useMutation(AddMemberDocument);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const u = username.trim().toLowerCase();
    if (!u) return setError('Enter a username.');
    const r = await add({ input: { organization: org, username: u, role } });
    if (r.error) return setError(errorText(r.error));
    setUsername('');
  }

  return (
    <form className="stack compact" onSubmit={submit} noValidate aria-labelledby="add-member-title">
      <h3 id="add-member-title">Add a member</h3>
      <div className="row">
        <label className="field grow">
          <span>Username</span>
          <input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" spellCheck={false} data-testid="member-username" />
        </label>
        <label className="field">
          <span>Role</span>
          <select value={role} onChange={(e) => setRole(e.target.value as OrganizationRole)} data-testid="member-role">
            {roles.map((r) => (
              <option key={r} value={r}>
                {roleLabel[r]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="muted small">Each member takes a seat when the organization has a subscription.</p>
      <ErrorMessage error={error} />
      <button type="submit" disabled={state.fetching} data-testid="add-member-submit">
        {state.fetching ? 'Adding…' : 'Add member'}
      </button>
    </form>
  );
}
