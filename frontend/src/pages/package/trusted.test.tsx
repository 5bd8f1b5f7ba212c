import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { AddTrustedPublisherForm } from './TrustedPublishersPanel';
import { apiError, mockClient, renderWithClient } from '../../test/utils';

// The kinds as the server describes them (Query.trustedPublisherKinds).
const kinds = [
  {
    kind: 'GITHUB' as const,
    claims: [
      { name: 'repository_owner', required: true },
      { name: 'repository', required: true },
      { name: 'workflow', required: true },
      { name: 'environment', required: false },
    ],
    anyClaims: false,
    needsIssuer: false,
  },
  { kind: 'OIDC' as const, claims: [{ name: 'sub', required: false }, { name: 'repository', required: false }], anyClaims: true, needsIssuer: true },
];

describe('AddTrustedPublisherForm', () => {
  it('asks for the required claims before sending', async () => {
    const { client, executeMutation } = mockClient();
    renderWithClient(<AddTrustedPublisherForm name="my_lib" kinds={kinds} />, client);
    await userEvent.type(screen.getByTestId('trusted-claim-repository_owner'), 'acme');
    await userEvent.type(screen.getByTestId('trusted-claim-repository'), 'acme/my_lib');
    await userEvent.click(screen.getByTestId('add-trusted-submit'));
    expect(screen.getByTestId('error-message')).toHaveTextContent('Enter the workflow file.');
    expect(executeMutation).not.toHaveBeenCalled();
  });

  it('sends the GitHub claims, leaving out empty optional ones', async () => {
    const { client, executeMutation } = mockClient({
      mutation: () => ({ data: { addTrustedPublisher: { __typename: 'AddTrustedPublisherPayload', trustedPublisher: { __typename: 'TrustedPublisher', id: '1', description: 'x' } } } }),
    });
    renderWithClient(<AddTrustedPublisherForm name="my_lib" kinds={kinds} />, client);
    await userEvent.type(screen.getByTestId('trusted-claim-repository_owner'), 'acme');
    await userEvent.type(screen.getByTestId('trusted-claim-repository'), 'acme/my_lib');
    await userEvent.type(screen.getByTestId('trusted-claim-workflow'), 'release.yml');
    await userEvent.click(screen.getByTestId('add-trusted-submit'));
    expect(executeMutation).toHaveBeenCalledOnce();
    const op = executeMutation.mock.calls[0][0] as { variables: unknown };
    expect(op.variables).toEqual({
      input: {
        package: 'my_lib',
        kind: 'GITHUB',
        issuer: null,
        claims: [
          { name: 'repository_owner', value: 'acme' },
          { name: 'repository', value: 'acme/my_lib' },
          { name: 'workflow', value: 'release.yml' },
        ],
      },
    });
  });

  it('needs an issuer for another OIDC issuer and shows the refusal', async () => {
    const { client, executeMutation } = mockClient({
      mutation: () => ({ error: apiError('the issuer must be an https:// URL (the token\'s iss claim)') }),
    });
    renderWithClient(<AddTrustedPublisherForm name="my_lib" kinds={kinds} />, client);
    await userEvent.selectOptions(screen.getByTestId('trusted-kind'), 'OIDC');
    await userEvent.type(screen.getByTestId('trusted-claim-sub'), 'repo:acme/my_lib');
    await userEvent.click(screen.getByTestId('add-trusted-submit'));
    expect(screen.getByTestId('error-message')).toHaveTextContent('Enter the issuer URL.');
    expect(executeMutation).not.toHaveBeenCalled();
    await userEvent.type(screen.getByTestId('trusted-issuer'), 'http://ci.example');
    await userEvent.click(screen.getByTestId('add-trusted-submit'));
    expect(await screen.findByTestId('error-message')).toHaveTextContent('https:// URL');
    expect(executeMutation).toHaveBeenCalledOnce();
  });

  it('asks an OIDC publisher for at least one claim, as the server says', async () => {
    const { client, executeMutation } = mockClient();
    renderWithClient(<AddTrustedPublisherForm name="my_lib" kinds={kinds} />, client);
    await userEvent.selectOptions(screen.getByTestId('trusted-kind'), 'OIDC');
    await userEvent.type(screen.getByTestId('trusted-issuer'), 'https://ci.example');
    await userEvent.click(screen.getByTestId('add-trusted-submit'));
    expect(screen.getByTestId('error-message')).toHaveTextContent('Enter at least one claim');
    expect(executeMutation).not.toHaveBeenCalled();
  });
});
