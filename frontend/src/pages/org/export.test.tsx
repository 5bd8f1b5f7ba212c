import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ExportRegistry } from './ExportRegistry';
import { apiError, mockClient, renderWithClient } from '../../test/utils';

const result = {
  downloadUrl: 'http://depot.test/exports/tok',
  expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
  repository: 'acme',
  publicKey: '-----BEGIN PUBLIC KEY-----\nMII\n-----END PUBLIC KEY-----\n',
  packages: 2,
  releases: 3,
  docs: 1,
  size: 4096,
};

describe('ExportRegistry', () => {
  it('sends the key it is given and shows the download the server returns', async () => {
    const { client, executeMutation } = mockClient({ mutation: () => ({ data: { exportOrganization: result } }) });
    renderWithClient(<ExportRegistry org="acme" />, client);
    await userEvent.type(screen.getByTestId('org-export-key'), 'PEM');
    await userEvent.click(screen.getByTestId('org-export-submit'));
    expect(executeMutation.mock.calls[0][0].variables).toEqual({ input: { organization: 'acme', privateKey: 'PEM' } });
    expect(await screen.findByTestId('org-export-download')).toHaveAttribute('href', result.downloadUrl);
    expect(screen.getByTestId('org-export-result')).toHaveTextContent('2 packages, 3 releases, 1 docs tarballs');
  });

  it('sends no key when none is given', async () => {
    const { client, executeMutation } = mockClient({ mutation: () => ({ data: { exportOrganization: result } }) });
    renderWithClient(<ExportRegistry org="acme" />, client);
    await userEvent.click(screen.getByTestId('org-export-submit'));
    expect(executeMutation.mock.calls[0][0].variables).toEqual({ input: { organization: 'acme', privateKey: null } });
  });

  it('asks for a two-factor code when the server wants one, and shows other errors', async () => {
    const { client } = mockClient({ mutation: () => ({ error: apiError('needs a code', 'TOTP_REQUIRED') }) });
    renderWithClient(<ExportRegistry org="acme" />, client);
    await userEvent.click(screen.getByTestId('org-export-submit'));
    expect(await screen.findByTestId('totp-prompt')).toBeInTheDocument();

    const other = mockClient({ mutation: () => ({ error: apiError('the private key is not a PEM RSA private key') }) });
    renderWithClient(<ExportRegistry org="acme" />, other.client);
    await userEvent.click(screen.getAllByTestId('org-export-submit')[1]);
    expect(await screen.findByText(/not a PEM RSA private key/)).toBeInTheDocument();
  });
});
