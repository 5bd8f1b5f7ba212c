import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { Loading, NotFound } from '../../components/States';
import { Link, paths } from '../../router';

const MirroredFallbackDocument = graphql(`
  query MirroredFallback($name: String!) {
    mirroredPackage(name: $name) {
      name
      upstream
    }
  }
`);

/** What the package page shows when Depot holds no such package: a link to the mirrored one, if the mirror has it cached, else "not found". */
export function MirroredFallback({ name }: { name: string }) {
  const [{ data, fetching }] = useQuery({ query: MirroredFallbackDocument, variables: { name } });
  const m = data?.mirroredPackage;
  if (!data && fetching) return <Loading />;
  if (!m) return <NotFound what="package" />;
  return (
    <section className="notfound" data-testid="mirrored-fallback">
      <h1>{m.name}</h1>
      <p>
        {m.name} is not published here; it is mirrored from <strong>{m.upstream}</strong>.{' '}
        <Link to={paths.mirrored(m.name)}>See the mirrored package</Link>.
      </p>
    </section>
  );
}
