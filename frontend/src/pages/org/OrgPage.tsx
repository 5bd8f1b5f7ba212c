import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { PackageList } from '../../components/PackageList';
import { RelativeTime } from '../../components/RelativeTime';
import { Empty, NotFound, QueryState } from '../../components/States';
import { Link, paths } from '../../router';
import { useViewer } from '../../session';
import { ExportRegistry } from './ExportRegistry';
import { Members } from './Members';
import { RequireTwoFactor } from './RequireTwoFactor';

const OrgPageDocument = graphql(`
  query OrgPage($name: String!) {
    organization(name: $name) {
      id
      name
      displayName
      createdAt
      viewerRole
      requireTwoFactor
      viewerNeedsTwoFactor
      members {
        id
        role
        twoFactorEnabled
        user {
          id
          username
          fullName
        }
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

export default function OrgPage({ params }: { params: Record<string, string> }) {
  const [{ data, fetching, error }] = useQuery({ query: OrgPageDocument, variables: { name: params.name }, requestPolicy: 'cache-and-network' });
  const { viewer } = useViewer();
  const org = data?.organization;
  return (
    <QueryState fetching={fetching} error={error} hasData={!!data}>
      {!org ? (
        <NotFound what="organization" />
      ) : (
        <article>
          <header className="page-head">
            <h1 data-testid="org-name">{org.displayName || org.name}</h1>
            <p className="muted">
              <code>{org.name}</code> · organization since <RelativeTime value={org.createdAt} />
              {org.viewerRole ? (
                <>
                  {' '}
                  · your role: <span className="badge">{org.viewerRole.toLowerCase()}</span>
                </>
              ) : null}
            </p>
            {org.viewerRole === 'ADMIN' ? (
              <p className="actions">
                <Link to={paths.billing(org.name)} className="button-link secondary" data-testid="billing-link">
                  Billing
                </Link>{' '}
                <Link to={`/audit?organization=${encodeURIComponent(org.name)}`} className="button-link secondary">
                  Audit log
                </Link>{' '}
                <Link to={`/publish?repository=${encodeURIComponent(org.name)}`} className="button-link secondary">
                  Publish a private package
                </Link>
              </p>
            ) : null}
            {org.viewerNeedsTwoFactor ? (
              <div className="notice warn" role="alert" data-testid="org-needs-2fa">
                {org.name} requires two-factor authentication. Until you <Link to="/settings">turn it on</Link> you can read its packages but not publish or
                administer.
              </div>
            ) : null}
            {org.viewerRole === 'ADMIN' ? <RequireTwoFactor org={org.name} required={org.requireTwoFactor} /> : null}
          </header>
          <section aria-labelledby="org-packages">
            <h2 id="org-packages">Packages ({org.packages.totalCount})</h2>
            {org.packages.edges?.length ? (
              <PackageList packages={org.packages.edges.map((e) => e?.node)} testId="org-package" />
            ) : (
              <Empty>No packages yet.</Empty>
            )}
          </section>
          {org.viewerRole === 'ADMIN' ? <ExportRegistry org={org.name} /> : null}
          {org.viewerRole ? <Members org={org.name} members={org.members} isAdmin={org.viewerRole === 'ADMIN'} viewerUsername={viewer?.username ?? null} /> : null}
        </article>
      )}
    </QueryState>
  );
}
