import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { InstallSnippets } from '../../components/InstallSnippets';
import { RelativeTime } from '../../components/RelativeTime';
import { RetiredBadge } from '../../components/RetiredBadge';
import { Empty, NotFound, QueryState } from '../../components/States';
import { formatExact } from '../../lib/time';

const MirroredPackagePageDocument = graphql(`
  query MirroredPackagePage($name: String!) {
    mirroredPackage(name: $name) {
      name
      upstream
      repositoryUrl
      latestVersion
      cachedAt
      versions {
        version
        outerChecksum
        tarballCached
        retirement {
          reason
          message
        }
      }
    }
  }
`);

/**
 * /mirrored/:name — a public package Depot mirrors from an upstream. Only
 * what the upstream's signed registry payload says is known: versions,
 * retirements and checksums; builds fetch it from Depot like any package.
 */
export default function MirroredPackagePage({ params }: { params: Record<string, string> }) {
  const [{ data, fetching, error }] = useQuery({
    query: MirroredPackagePageDocument,
    variables: { name: params.name },
    requestPolicy: 'cache-and-network',
  });
  const pkg = data?.mirroredPackage;
  return (
    <QueryState fetching={fetching} error={error} hasData={!!data}>
      {!pkg ? (
        <NotFound what="mirrored package" />
      ) : (
        <article className="package-page">
          <header className="page-head">
            <h1>
              <span data-testid="package-name">{pkg.name}</span>
              <span className="version-tag large">{pkg.latestVersion}</span>
              <span className="badge" data-testid="upstream-badge" title={pkg.repositoryUrl ?? undefined}>
                mirrored from {pkg.upstream}
              </span>
            </h1>
            <p className="lead">
              Mirrored from the upstream repository <strong>{pkg.upstream}</strong>
              {pkg.repositoryUrl ? (
                <>
                  {' '}
                  (<code>{pkg.repositoryUrl}</code>)
                </>
              ) : null}
              . Depot serves it as its own: depend on it with Depot as your only repository.
            </p>
          </header>

          <div className="package-layout">
            <div className="package-main">
              <section aria-labelledby="versions-title">
                <h2 id="versions-title">Versions</h2>
                {pkg.versions.length ? (
                  <table className="versions">
                    <thead>
                      <tr>
                        <th scope="col">Version</th>
                        <th scope="col">Checksum</th>
                      </tr>
                    </thead>
                    <tbody>
                      {pkg.versions.map((v) => (
                        <tr key={v.version} data-testid="version-row" data-version={v.version} className={v.retirement ? 'is-retired' : undefined}>
                          <td>
                            {v.version}
                            {v.version === pkg.latestVersion ? <span className="badge badge-ok">latest</span> : null}
                            {v.tarballCached ? <span className="badge">cached</span> : null}
                            {v.retirement ? <RetiredBadge retirement={v.retirement} /> : null}
                          </td>
                          <td>
                            <code className="checksum" title="SHA-256 of the whole tarball, signed by the upstream">
                              {v.outerChecksum}
                            </code>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : (
                  <Empty>No versions.</Empty>
                )}
              </section>
            </div>

            <aside className="package-side">
              <InstallSnippets name={pkg.name} version={pkg.latestVersion} organization={null} />
              <section className="card" aria-labelledby="about-title">
                <h2 id="about-title">About</h2>
                <dl className="facts">
                  <dt>Upstream</dt>
                  <dd data-testid="upstream">{pkg.upstream}</dd>
                  <dt>Cached</dt>
                  <dd data-testid="cached-at" title={formatExact(pkg.cachedAt)}>
                    <RelativeTime value={pkg.cachedAt} />
                  </dd>
                </dl>
              </section>
            </aside>
          </div>
        </article>
      )}
    </QueryState>
  );
}
