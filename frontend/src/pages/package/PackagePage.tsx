import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { PackageList } from '../../components/PackageList';
import { RelativeTime } from '../../components/RelativeTime';
import { RevertWindowNote } from '../../components/RevertWindowNote';
import { Empty, NotFound, QueryState } from '../../components/States';
import { Link, paths } from '../../router';
import { formatExact } from '../../lib/time';
import { InstallSnippets } from '../../components/InstallSnippets';
import { safeUrl } from '../../lib/url';
import { OwnersPanel } from './OwnersPanel';
import { TrustedPublishersPanel } from './TrustedPublishersPanel';
import { VersionList } from './VersionList';
import { MirroredFallback } from './MirroredFallback';
import { DownloadsChart } from '../../components/DownloadsChart';

const PackagePageDocument = graphql(`
  query PackagePage($name: String!, $repository: String) {
    package(name: $name, repository: $repository) {
      id
      name
      description
      latestVersion
      downloads
      downloadStats {
        allTime
        recent
        week
        day
      }
      downloadsByDay {
        day
        downloads
      }
      firstPublishedAt
      repositoryName
      private
      viewerCanPublish
      viewerIsFullOwner
      latestRelease {
        id
        version
        outerChecksum
        licenses
        buildTools
        elixirRequirement
        publishedAt
        revertableUntil
        hasDocs
        docsUrl
        tarballUrl
        links {
          name
          url
        }
        requirements {
          id
          name
          repository
          requirement
          optional
        }
      }
      versions {
        id
        version
        prerelease
        publishedAt
        downloads
        revertableUntil
        retirement {
          id
          reason
          message
        }
      }
      owners {
        level
        account {
          __typename
          ... on User {
            id
            username
            fullName
          }
          ... on Organization {
            id
            name
            displayName
          }
        }
      }
      dependents(first: 50) {
        ...PackageListItem
      }
    }
  }
`);

export default function PackagePage({ params }: { params: Record<string, string> }) {
  const repository = params.org ?? null;
  const [{ data, fetching, error }] = useQuery({
    query: PackagePageDocument,
    variables: { name: params.name, repository },
    requestPolicy: 'cache-and-network',
  });
  const pkg = data?.package;
  return (
    <QueryState fetching={fetching} error={error} hasData={!!data}>
      {!pkg ? (
        repository ? (
          <NotFound what="package" />
        ) : (
          <MirroredFallback name={params.name} />
        )
      ) : (
        <article className="package-page">
          <header className="page-head">
            <h1>
              {pkg.private ? <span className="muted">{pkg.repositoryName}/</span> : null}
              <span data-testid="package-name">{pkg.name}</span>
              {pkg.latestVersion ? <span className="version-tag large">{pkg.latestVersion}</span> : null}
              {pkg.private ? <span className="badge">private</span> : null}
            </h1>
            {pkg.description ? <p className="lead" data-testid="package-description">{pkg.description}</p> : null}
            {pkg.viewerCanPublish ? (
              <p className="actions">
                <Link to={`/publish?repository=${pkg.private ? encodeURIComponent(pkg.repositoryName) : ''}`} className="button-link">
                  Publish a new version
                </Link>
              </p>
            ) : null}
          </header>

          <div className="package-layout">
            <div className="package-main">
              {pkg.latestRelease && pkg.viewerCanPublish ? (
                <RevertWindowNote revertableUntil={pkg.latestRelease.revertableUntil} isPrivate={pkg.private} subject={`Version ${pkg.latestRelease.version}`} />
              ) : null}

              <DownloadsChart label="Downloads, last 90 days" days={pkg.downloadsByDay} stats={pkg.downloadStats} />

              <section aria-labelledby="versions-title">
                <h2 id="versions-title">Versions</h2>
                <VersionList name={pkg.name} repository={pkg.private ? pkg.repositoryName : null} versions={pkg.versions} latest={pkg.latestVersion} />
              </section>

              <section aria-labelledby="deps-title">
                <h2 id="deps-title">Dependencies {pkg.latestRelease ? <span className="muted small">of {pkg.latestRelease.version}</span> : null}</h2>
                {pkg.latestRelease?.requirements?.length ? (
                  <ul className="deps" data-testid="dependencies">
                    {pkg.latestRelease.requirements.map((r) => (
                      <li key={r.id} data-testid="dependency">
                        <Link to={paths.package(r.name, r.repository || null)}>
                          {r.name}
                        </Link>{' '}
                        <code>{r.requirement}</code>
                        {r.optional ? <span className="badge">optional</span> : null}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <Empty>No dependencies.</Empty>
                )}
              </section>

              <section aria-labelledby="dependents-title">
                <h2 id="dependents-title">Dependents</h2>
                {pkg.dependents.length ? (
                  <PackageList packages={pkg.dependents} testId="dependent" />
                ) : (
                  <Empty>No package depends on {pkg.name} yet.</Empty>
                )}
              </section>
            </div>

            <aside className="package-side">
              {pkg.latestRelease ? (
                <InstallSnippets name={pkg.name} version={pkg.latestRelease.version} organization={pkg.private ? pkg.repositoryName : null} />
              ) : null}

              <section className="card" aria-labelledby="about-title">
                <h2 id="about-title">About</h2>
                <dl className="facts">
                  <dt>Downloads</dt>
                  <dd data-testid="package-downloads">{pkg.downloads.toLocaleString('en')}</dd>
                  <dt>First published</dt>
                  <dd>
                    <RelativeTime value={pkg.firstPublishedAt} />
                  </dd>
                  {pkg.latestRelease ? (
                    <>
                      <dt>Latest release</dt>
                      <dd>
                        <Link to={paths.release(pkg.name, pkg.latestRelease.version, pkg.private ? pkg.repositoryName : null)}>
                          {pkg.latestRelease.version}
                        </Link>{' '}
                        <span title={formatExact(pkg.latestRelease.publishedAt)} className="muted">
                          (<RelativeTime value={pkg.latestRelease.publishedAt} />)
                        </span>
                      </dd>
                      <dt>Licenses</dt>
                      <dd data-testid="licenses">{pkg.latestRelease.licenses?.length ? pkg.latestRelease.licenses.join(', ') : <span className="muted">none given</span>}</dd>
                      {pkg.latestRelease.buildTools?.length ? (
                        <>
                          <dt>Build tools</dt>
                          <dd>{pkg.latestRelease.buildTools.join(', ')}</dd>
                        </>
                      ) : null}
                      {pkg.latestRelease.elixirRequirement ? (
                        <>
                          <dt>Elixir</dt>
                          <dd>
                            <code>{pkg.latestRelease.elixirRequirement}</code>
                          </dd>
                        </>
                      ) : null}
                      <dt>Checksum</dt>
                      <dd>
                        <code className="checksum" data-testid="outer-checksum" title="SHA-256 of the whole tarball">
                          {pkg.latestRelease.outerChecksum}
                        </code>
                      </dd>
                    </>
                  ) : null}
                </dl>
                {pkg.latestRelease?.links.length || pkg.latestRelease?.docsUrl ? (
                  <>
                    <h3>Links</h3>
                    <ul className="links">
                      {pkg.latestRelease.docsUrl ? (
                        <li>
                          <a href={pkg.latestRelease.docsUrl}>Documentation</a>
                        </li>
                      ) : null}
                      {pkg.latestRelease.links.map((l) => (
                        <li key={l.name + l.url}>
                          <a href={safeUrl(l.url)} rel="nofollow noopener noreferrer" target="_blank">
                            {l.name}
                          </a>
                        </li>
                      ))}
                    </ul>
                  </>
                ) : null}
              </section>

              <OwnersPanel
                name={pkg.name}
                repository={pkg.private ? pkg.repositoryName : null}
                owners={pkg.owners}
                canManage={pkg.viewerIsFullOwner}
              />
              {pkg.viewerIsFullOwner && !pkg.private ? <TrustedPublishersPanel name={pkg.name} /> : null}
            </aside>
          </div>
        </article>
      )}
    </QueryState>
  );
}
