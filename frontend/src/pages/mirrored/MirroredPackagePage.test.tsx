import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import MirroredPackagePage from './MirroredPackagePage';
import PackagePage from '../package/PackagePage';
import { mockClient, renderWithClient } from '../../test/utils';

const upLib = {
  __typename: 'MirroredPackage',
  name: 'up_lib',
  upstream: 'hexpm',
  repositoryUrl: 'https://repo.hex.pm',
  latestVersion: '1.1.0',
  cachedAt: new Date(Date.now() - 3 * 3600 * 1000).toISOString(),
  versions: [
    { __typename: 'MirroredRelease', version: '2.0.0-rc.1', outerChecksum: 'aa11', tarballCached: false, retirement: null },
    { __typename: 'MirroredRelease', version: '1.1.0', outerChecksum: 'bb22', tarballCached: true, retirement: null },
    {
      __typename: 'MirroredRelease',
      version: '1.0.0',
      outerChecksum: 'cc33',
      tarballCached: false,
      retirement: { __typename: 'MirroredRetirement', reason: 'SECURITY', message: 'CVE-2026-0002' },
    },
  ],
};

function opName(query: unknown): string {
  return (query as { definitions: { name?: { value: string } }[] }).definitions[0].name?.value ?? '';
}

describe('MirroredPackagePage', () => {
  it('shows the name, upstream, versions with retirements, when it was cached and how to depend on it', () => {
    renderWithClient(<MirroredPackagePage params={{ name: 'up_lib' }} />, mockClient({ query: () => ({ data: { mirroredPackage: upLib } }) }).client);
    expect(screen.getByTestId('package-name')).toHaveTextContent('up_lib');
    expect(screen.getByTestId('upstream-badge')).toHaveTextContent('mirrored from hexpm');
    const rows = screen.getAllByTestId('version-row');
    expect(rows.map((r) => r.getAttribute('data-version'))).toEqual(['2.0.0-rc.1', '1.1.0', '1.0.0']);
    expect(within(rows[1]).getByText('latest')).toBeInTheDocument();
    expect(within(rows[1]).getByText('cached')).toBeInTheDocument();
    expect(within(rows[2]).getByTestId('retired-badge')).toHaveAttribute('data-reason', 'SECURITY');
    expect(rows[2]).toHaveTextContent('CVE-2026-0002');
    expect(screen.getByTestId('cached-at')).toHaveTextContent(/3 hours ago/);
    expect(screen.getByTestId('rebar-snippet')).toHaveTextContent('{up_lib, "1.1.0"}');
    expect(screen.getByTestId('mix-snippet')).toHaveTextContent('up_lib');
  });

  it('says not found when the mirror has no such package cached', () => {
    renderWithClient(<MirroredPackagePage params={{ name: 'nope' }} />, mockClient({ query: () => ({ data: { mirroredPackage: null } }) }).client);
    expect(screen.getByTestId('not-found')).toBeInTheDocument();
  });
});

describe('PackagePage for a mirrored-only name', () => {
  function client(mirrored: typeof upLib | null) {
    return mockClient({
      query: (op) => (opName(op.query) === 'MirroredFallback' ? { data: { mirroredPackage: mirrored } } : { data: { package: null } }),
    }).client;
  }

  it('links to the mirrored package instead of "not found"', () => {
    renderWithClient(<PackagePage params={{ name: 'up_lib' }} />, client(upLib));
    const box = screen.getByTestId('mirrored-fallback');
    expect(box).toHaveTextContent('mirrored from hexpm');
    expect(box.querySelector('a')).toHaveAttribute('href', '/mirrored/up_lib');
    expect(screen.queryByTestId('not-found')).toBeNull();
  });

  it('says not found when neither Depot nor the mirror has it', () => {
    renderWithClient(<PackagePage params={{ name: 'nope' }} />, client(null));
    expect(screen.getByTestId('not-found')).toBeInTheDocument();
    expect(screen.queryByTestId('mirrored-fallback')).toBeNull();
  });
});
