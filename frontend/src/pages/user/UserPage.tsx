import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { PackageList } from '../../components/PackageList';
import { RelativeTime } from '../../components/RelativeTime';
import { Empty, NotFound, QueryState } from '../../components/States';
import { Link, paths } from '../../router';

const UserPageDocument = graphql(`
  query UserPage($username: String!) {
    user(username: $username) {
      id
      username
      fullName
      createdAt
      organizations {
        id
        name
        displayName
      }
      packages(first: 100) {
        totalCount
        edges {
          node {
            ...PackageListItem
          }
        }
      }
    }
  }
`);

export default function UserPage({ params }: { params: Record<string, string> }) {
  const [{ data, fetching, error }] = useQuery({ query: UserPageDocument, variables: { username: params.username } });
  const user = data?.user;
  return (
    <QueryState fetching={fetching} error={error} hasData={!!data}>
      {!user ? (
        <NotFound what="user" />
      ) : (
        <article>
          <header className="page-head">
            <h1 data-testid="user-name">{user.username}</h1>
            {user.fullName ? <p className="lead">{user.fullName}</p> : null}
            <p className="muted">
              Joined <RelativeTime value={user.createdAt} />
            </p>
          </header>
          {user.organizations.length ? (
            <section aria-labelledby="user-orgs">
              <h2 id="user-orgs">Organizations</h2>
              <ul className="chips">
                {user.organizations.map((o) => (
                  <li key={o.id}>
                    <Link to={paths.org(o.name)}>{o.displayName || o.name}</Link>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <section aria-labelledby="user-packages">
            <h2 id="user-packages">Packages ({user.packages.totalCount})</h2>
            {user.packages.edges?.length ? (
              <PackageList packages={user.packages.edges.map((e) => e?.node)} testId="user-package" />
            ) : (
              <Empty>{user.username} owns no packages.</Empty>
            )}
          </section>
        </article>
      )}
    </QueryState>
  );
}
