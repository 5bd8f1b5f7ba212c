import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { RelativeTime } from '../../components/RelativeTime';
import { RetiredBadge } from '../../components/RetiredBadge';
import { RevertWindowNote } from '../../components/RevertWindowNote';
import { Empty, NotFound, QueryState } from '../../components/States';
import { Link, paths } from '../../router';
import { InstallSnippets } from '../../components/InstallSnippets';
import { safeUrl } from '../../lib/url';
import { ReleaseActions } from './ReleaseActions';
import { DownloadsChart } from '../../components/DownloadsChart';

const ReleasePageDocument = graphql(`
  query ReleasePage($package: String!, $version: String!, $repository: String) {
    release(package: $package, version: $version, repository: $repository) {
      id
      version
      packageName
      prerelease
      description
      app
      innerChecksum
      outerChecksum
      size
      licenses
      buildTools
      elixirRequirement
      publishedAt
      updatedAt
      revertableUntil
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
      hasDocs
      docsUrl
      tarballUrl
      publisher {
        id
        username
      }
      trustedPublish {
        publisher
        runId
        runUrl
        sha
      }
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
        app
      }
      retirement {
        id
        reason
        message
        createdAt
      }
      package {
        id
        name
        private
        repositoryName
        latestVersion
        viewerCanPublish
      }
    }
  }
`);

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export default function ReleasePage({ params }: { params: Record<string, string> }) {
  const repository = params.org ?? null;
  const [{ data, fetching, error }] = useQuery({
    query: ReleasePageDocument,
    variables: { package: params.name, version: params.version, repository },
    requestPolicy: 'cache-and-network',
  });
  const r = data?.release;
  if (data && !r) return <NotFound what="release" />;
  return (
    <QueryState fetching={fetching} error={error} hasData={!!data}>
      {r ? (
        <article className="release-page">
          <header className="page-head">
            <p className="breadcrumb">
              <Link to={paths.package(r.package.name, r.package.private ? r.package.repositoryName : null)}>
                {r.package.private ? `${r.package.repositoryName}/` : ''}
                {r.package.name}
              </Link>{' '}
              / versions
            </p>
            <h1>
              <span data-testid="package-name">{r.package.name}</span>{' '}
              <span className="version-tag large" data-testid="release-version">
                {r.version}
              </span>
              {r.version === r.package.latestVersion ? <span className="badge badge-ok">latest</span> : null}
              {r.prerelease ? <span className="badge">pre-release</span> : null}
              {r.package.private ? <span className="badge">private</span> : null}
            </h1>
            {r.retirement ? (
              <div className="notice warn" role="note">
                <RetiredBadge retirement={r.retirement} /> <span className="muted">since <RelativeTime value={r.retirement.createdAt} /></span>
              </div>
            ) : null}
            {r.description ? <p className="lead">{r.description}</p> : null}
          </header>

          <div className="package-layout">
            <div className="package-main">
              {r.package.viewerCanPublish ? (
                <>
                  <RevertWindowNote revertableUntil={r.revertableUntil} isPrivate={r.package.private} />
                  <ReleaseActions
                    name={r.package.name}
                    version={r.version}
                    repository={r.package.private ? r.package.repositoryName : null}
                    isPrivate={r.package.private}
                    revertableUntil={r.revertableUntil}
                    retired={!!r.retirement}
                  />
                </>
              ) : null}

              <DownloadsChart label={`Downloads of ${r.version}, last 90 days`} days={r.downloadsByDay} stats={r.downloadStats} />

              <section aria-labelledby="deps-title">
                <h2 id="deps-title">Dependencies</h2>
                {r.requirements?.length ? (
                  <ul className="deps" data-testid="dependencies">
                    {r.requirements.map((q) => (
                      <li key={q.id} data-testid="dependency">
                        <Link to={paths.package(q.name, q.repository || null)}>{q.name}</Link> <code>{q.requirement}</code>
                        {q.optional ? <span className="badge">optional</span> : null}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <Empty>No dependencies.</Empty>
                )}
              </section>
            </div>
            <aside className="package-side">
              <InstallSnippets name={r.package.name} version={r.version} organization={r.package.private ? r.package.repositoryName : null} />
              <section className="card" aria-labelledby="facts-title">
                <h2 id="facts-title">Release</h2>
                <dl className="facts">
                  <dt>Published</dt>
                  <dd>
                    <RelativeTime value={r.publishedAt} />
                    {r.publisher ? (
                      <>
                        {' '}
                        by <Link to={paths.user(r.publisher.username)}>{r.publisher.username}</Link>
                      </>
                    ) : null}
                  </dd>
                  {r.trustedPublish ? (
                    <>
                      <dt>Trusted publisher</dt>
                      <dd data-testid="trusted-publish">
                        published by trusted publisher {r.trustedPublish.publisher}
                        {r.trustedPublish.runId ? (
                          <>
                            {' '}
                            (
                            {r.trustedPublish.runUrl ? (
                              <a href={safeUrl(r.trustedPublish.runUrl)} rel="nofollow noopener noreferrer" target="_blank">
                                workflow run {r.trustedPublish.runId}
                              </a>
                            ) : (
                              <>workflow run {r.trustedPublish.runId}</>
                            )}
                            {r.trustedPublish.sha ? <>, commit <code>{r.trustedPublish.sha.slice(0, 12)}</code></> : null})
                          </>
                        ) : null}
                      </dd>
                    </>
                  ) : null}
                  <dt>Downloads</dt>
                  <dd>{r.downloads.toLocaleString('en')}</dd>
                  <dt>Licenses</dt>
                  <dd>{r.licenses?.length ? r.licenses.join(', ') : <span className="muted">none given</span>}</dd>
                  {r.buildTools?.length ? (
                    <>
                      <dt>Build tools</dt>
                      <dd>{r.buildTools.join(', ')}</dd>
                    </>
                  ) : null}
                  {r.elixirRequirement ? (
                    <>
                      <dt>Elixir</dt>
                      <dd>
                        <code>{r.elixirRequirement}</code>
                      </dd>
                    </>
                  ) : null}
                  <dt>Size</dt>
                  <dd>{formatSize(r.size)}</dd>
                  <dt>Checksum</dt>
                  <dd>
                    <code className="checksum" data-testid="outer-checksum" title="SHA-256 of the whole tarball">
                      {r.outerChecksum}
                    </code>
                  </dd>
                  <dt>Inner checksum</dt>
                  <dd>
                    <code className="checksum">{r.innerChecksum}</code>
                  </dd>
                </dl>
                <ul className="links">
                  <li>
                    <a href={r.tarballUrl} data-testid="tarball-link">
                      Download tarball
                    </a>
                  </li>
                  {r.docsUrl ? (
                    <li>
                      <a href={r.docsUrl}>Documentation</a>
                    </li>
                  ) : null}
                  {r.links.map((l) => (
                    <li key={l.name + l.url}>
                      <a href={safeUrl(l.url)} rel="nofollow noopener noreferrer" target="_blank">
                        {l.name}
                      </a>
                    </li>
                  ))}
                </ul>
              </section>
            </aside>
          </div>
        </article>
      ) : null}
    </QueryState>
  );
}
