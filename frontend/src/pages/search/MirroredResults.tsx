import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { Link, paths } from '../../router';

const SearchMirroredPackagesDocument = graphql(`
  query SearchMirroredPackages($search: String!, $first: Int) {
    mirroredPackages(search: $search, first: $first) {
      totalCount
      edges {
        node {
          name
          upstream
          latestVersion
        }
      }
    }
  }
`);

/**
 * Cached packages mirrored from upstreams that match the search, one
 * section per upstream, in the server's order (exact, prefix, substring).
 * Nothing is shown when none matches (or mirroring is off).
 */
export function MirroredResults({ q }: { q: string }) {
  const [{ data }] = useQuery({
    query: SearchMirroredPackagesDocument,
    variables: { search: q, first: 30 },
    requestPolicy: 'cache-and-network',
  });
  const nodes = data?.mirroredPackages.edges.map((e) => e.node) ?? [];
  if (!nodes.length) return null;
  const upstreams = [...new Set(nodes.map((n) => n.upstream))];
  return (
    <>
      {upstreams.map((u) => (
        <section key={u} className="mirrored-results" aria-labelledby={`mirrored-${u}`} data-testid="mirrored-results">
          <h2 id={`mirrored-${u}`}>Mirrored from {u}</h2>
          <ul className="package-list">
            {nodes
              .filter((n) => n.upstream === u)
              .map((n) => (
                <li key={n.name} data-testid="mirrored-result">
                  <Link to={paths.mirrored(n.name)}>{n.name}</Link> <span className="version-tag">{n.latestVersion}</span>
                </li>
              ))}
          </ul>
        </section>
      ))}
    </>
  );
}
