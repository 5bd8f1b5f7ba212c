import { screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import SearchPage from './SearchPage';
import { mockClient, renderWithClient } from '../../test/utils';

function answering(suggestion: string | null) {
  return mockClient({ query: () => ({ data: { packages: { __typename: 'PackageConnection', totalCount: 0, suggestion, edges: [] } } }) }).client;
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
});
