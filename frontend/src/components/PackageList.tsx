import { graphql } from '../gql';
import type { PackageListItemFragment } from '../gql/graphql';
import { Link, paths } from '../router';
import { RelativeTime } from './RelativeTime';

export const PackageListItem = graphql(`
  fragment PackageListItem on Package {
    id
    name
    description
    latestVersion
    downloads
    updatedAt
    repositoryName
    private
  }
`);

export function PackageList({
  packages,
  testId,
}: {
  packages: readonly (PackageListItemFragment | null | undefined)[];
  testId?: string;
}) {
  return (
    <ul className="package-list">
      {packages.map((p) =>
        p ? (
          <li key={p.id} className="package-item" data-testid={testId} data-package={p.name}>
            <div className="package-item-head">
              <Link to={paths.package(p.name, p.private ? p.repositoryName : null)} className="package-link">
                {p.private ? <span className="muted">{p.repositoryName}/</span> : null}
                {p.name}
              </Link>
              {p.latestVersion ? <span className="version-tag">{p.latestVersion}</span> : null}
              {p.private ? <span className="badge">private</span> : null}
            </div>
            {p.description ? <p className="package-desc">{p.description}</p> : null}
            <p className="package-meta muted">
              {p.downloads.toLocaleString('en')} downloads · updated <RelativeTime value={p.updatedAt} />
            </p>
          </li>
        ) : null,
      )}
    </ul>
  );
}
