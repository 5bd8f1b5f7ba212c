import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { PackageList } from '../../components/PackageList';
import { Empty, QueryState } from '../../components/States';
import { LiveFeed } from './LiveFeed';

const RecentPackagesDocument = graphql(`
  query RecentPackages {
    packages(first: 10, orderBy: { field: UPDATED_AT, direction: DESC }) {
      totalCount
      edges {
        node {
          ...PackageListItem
        }
      }
    }
  }
`);

export default function HomePage() {
  const [{ data, fetching, error }] = useQuery({ query: RecentPackagesDocument });
  const packages = data?.packages.edges?.map((e) => e?.node) ?? [];
  return (
    <div className="home">
      <section className="hero">
        <h1>Erlang and Elixir packages</h1>
        <p className="lead">
          Depot hosts Hex packages for <code>mix</code> and <code>rebar3</code>. Search above, or{' '}
          {data ? `browse ${data.packages.totalCount.toLocaleString('en')} packages` : 'browse packages'} below.
        </p>
      </section>
      <div className="home-columns">
        <section aria-labelledby="feed-title" className="card">
          <LiveFeed titleId="feed-title" />
        </section>
        <section aria-labelledby="recent-title" className="card">
          <h2 id="recent-title">Recently updated</h2>
          <QueryState fetching={fetching} error={error} hasData={!!data}>
            {packages.length ? <PackageList packages={packages} /> : <Empty>No packages yet. Be the first to publish one.</Empty>}
          </QueryState>
        </section>
      </div>
    </div>
  );
}
