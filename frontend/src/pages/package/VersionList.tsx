import { RelativeTime } from '../../components/RelativeTime';
import { RetiredBadge } from '../../components/RetiredBadge';
import { Empty } from '../../components/States';
import { Link, paths } from '../../router';

export interface VersionRow {
  id: string;
  version: string;
  prerelease: boolean;
  publishedAt: string;
  downloads: number;
  retirement?: { reason: string; message?: string | null } | null;
}

/** All versions in the order the server gives (SemVer, newest first), retired ones marked with their reason. */
export function VersionList({
  name,
  repository,
  versions,
  latest,
}: {
  name: string;
  repository: string | null;
  versions: readonly VersionRow[];
  latest?: string | null;
}) {
  if (!versions.length) return <Empty>No versions.</Empty>;
  return (
    <table className="versions">
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Published</th>
          <th scope="col" className="num">
            Downloads
          </th>
        </tr>
      </thead>
      <tbody>
        {versions.map((v) => (
          <tr key={v.id} data-testid="version-row" data-version={v.version} className={v.retirement ? 'is-retired' : undefined}>
            <td>
              <Link to={paths.release(name, v.version, repository)} className="version-link">
                {v.version}
              </Link>
              {v.version === latest ? <span className="badge badge-ok">latest</span> : null}
              {v.prerelease ? <span className="badge">pre-release</span> : null}
              {v.retirement ? <RetiredBadge retirement={v.retirement} /> : null}
            </td>
            <td>
              <RelativeTime value={v.publishedAt} />
            </td>
            <td className="num">{v.downloads.toLocaleString('en')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
