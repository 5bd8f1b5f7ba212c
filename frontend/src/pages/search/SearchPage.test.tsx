import { screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import SearchPage from './SearchPage';
import { mockClient, renderWithClient } from '../../test/utils';

type Mirrored = { name: string; upstream: string; latestVersion: string };

/** The operation's name, to answer each of the page's queries. */
function opName(query: unknown): string {
  return (query as { definitions: { name?: { value: string } }[] }).definitions[0].name?.value ?? '';
}

function answering(suggestion: string | null, mirrored: Mirrored[] = []) {
  return mockClient({
    query: (op) =>
      opName(op.query) === 'SearchMirroredPackages'
        ? {
            data: {
              mirroredPackages: {
                __typename: 'MirroredPackageConnection',
                totalCount: mirrored.length,
                edges: mirrored.map((m) => ({ __typename: 'MirroredPackageEdge', node: { __typename: 'MirroredPackage', ...m } })),
              },
            },
          }
        : { data: { packages: { __typename: 'PackageConnection', totalCount: 0, suggestion, edges: [] } } },
  }).client;
}

describe('SearchPage', () => {
  afterEach(() => window.history.replaceState(null, '', '/'));

  it('links the suggestion the server gives ("did you mean")', () => {
    window.history.replaceState(null, '', '/search?q=ecotx');
    renderWithClient(<SearchPage />, answering('ecto'));
    const p = screen.getByTestId('search-suggestion');
    expect(p).toHaveTextContent('Did you mean ecto?');
    expect(p.querySelector('a')).toHaveAttribute('href', '/search?q=ecto');
  });

  it('shows no suggestion when the server gives none', () => {
    window.history.replaceState(null, '', '/search?q=ecto');
    renderWithClient(<SearchPage />, answering(null));
    expect(screen.queryByTestId('search-suggestion')).toBeNull();
    expect(screen.getByText(/No package matches/)).toBeInTheDocument();
  });

  it('lists mirrored matches below the local results, by upstream, in the server order', () => {
    window.history.replaceState(null, '', '/search?q=json');
    renderWithClient(
      <SearchPage />,
      answering(null, [
        { name: 'json', upstream: 'hexpm', latestVersion: '1.4.0' },
        { name: 'json_ld', upstream: 'hexpm', latestVersion: '0.2.0' },
        { name: 'fast_json', upstream: 'corp', latestVersion: '2.0.0' },
      ]),
    );
    const sections = screen.getAllByTestId('mirrored-results');
    expect(sections.map((s) => s.querySelector('h2')?.textContent)).toEqual(['Mirrored from hexpm', 'Mirrored from corp']);
    const links = screen.getAllByTestId('mirrored-result').map((li) => li.querySelector('a'));
    expect(links.map((a) => a?.textContent)).toEqual(['json', 'json_ld', 'fast_json']);
    expect(links[0]).toHaveAttribute('href', '/mirrored/json');
    expect(screen.getAllByTestId('mirrored-result')[0]).toHaveTextContent('1.4.0');
  });

  it('shows no mirrored section when nothing mirrored matches', () => {
    window.history.replaceState(null, '', '/search?q=json');
    renderWithClient(<SearchPage />, answering(null, []));
    expect(screen.queryByTestId('mirrored-results')).toBeNull();
    expect(screen.queryByText(/Mirrored from/)).toBeNull();
  });
});
