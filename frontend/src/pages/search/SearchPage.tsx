import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { PackageList } from '../../components/PackageList';
import { Empty, QueryState } from '../../components/States';
import { Link, paths, useLocation } from '../../router';
import { MirroredResults } from './MirroredResults';

const SearchPackagesDocument = graphql(`
  query SearchPackages($search: String, $first: Int, $orderBy: PackageOrder) {
    packages(search: $search, first: $first, orderBy: $orderBy) {
      totalCount
      suggestion
      edges {
        node {
          ...PackageListItem
        }
      }
    }
  }
`);

/**
 * Results for /search?q=…; the input is in the header. The server ranks
 * (exact name first) and suggests a corrected term when nothing matched.
 */
export default function SearchPage() {
  const { search } = useLocation();
  const q = (search.get('q') ?? '').trim();
  const [{ data, fetching, error }] = useQuery({
    query: SearchPackagesDocument,
    variables: q ? { search: q, first: 30 } : { first: 30, orderBy: { field: 'DOWNLOADS', direction: 'DESC' } },
    requestPolicy: 'cache-and-network',
  });
  const packages = data?.packages.edges?.map((e) => e?.node) ?? [];
  return (
    <section className="search-page">
      <h1>{q ? <>Results for “{q}”</> : 'All packages'}</h1>
      <QueryState fetching={fetching} error={error} hasData={!!data}>
        <p className="muted" aria-live="polite">
          {data ? `${data.packages.totalCount.toLocaleString('en')} ${data.packages.totalCount === 1 ? 'package' : 'packages'}` : ''}
          {fetching && data ? ' · updating…' : ''}
        </p>
        {data?.packages.suggestion ? (
          <p className="search-suggestion" data-testid="search-suggestion">
            Did you mean <Link to={paths.search(data.packages.suggestion)}>{data.packages.suggestion}</Link>?
          </p>
        ) : null}
        {packages.length ? (
          <PackageList packages={packages} testId="search-result" />
        ) : (
          <Empty>{q ? `No package matches “${q}”.` : 'No packages yet.'}</Empty>
        )}
        {q ? <MirroredResults q={q} /> : null}
      </QueryState>
    </section>
  );
}
