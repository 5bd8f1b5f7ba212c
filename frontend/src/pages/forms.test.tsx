import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import SignUpPage from './auth/SignUpPage';
import SignInPage from './auth/SignInPage';
import { ChangePasswordForm } from './settings/ChangePasswordForm';
import { apiError, mockClient, renderWithClient } from '../test/utils';

beforeEach(() => window.history.replaceState(null, '', '/'));

describe('SignUpPage', () => {
  it('validates before sending', async () => {
    const { client, executeMutation } = mockClient();
    renderWithClient(<SignUpPage />, client);
    await userEvent.type(screen.getByTestId('signup-username'), 'Al');
    await userEvent.type(screen.getByTestId('signup-email'), 'nope');
    await userEvent.type(screen.getByTestId('signup-password'), 'short');
    await userEvent.click(screen.getByTestId('signup-submit'));
    const errors = screen.getAllByTestId('field-error').map((e) => e.textContent);
    expect(errors).toEqual(['Use lower-case letters only.', 'That does not look like an email address.', 'At least 10 characters.']);
    expect(screen.getByTestId('signup-username')).toHaveAttribute('aria-invalid', 'true');
    expect(executeMutation).not.toHaveBeenCalled();
  });

  it("shows the API's refusal in place", async () => {
    const { client, executeMutation } = mockClient({
      mutation: () => ({ error: apiError('This password appears in a list of breached passwords.') }),
    });
    renderWithClient(<SignUpPage />, client);
    await userEvent.type(screen.getByTestId('signup-username'), 'alice');
    await userEvent.type(screen.getByTestId('signup-email'), 'alice@example.com');
    await userEvent.type(screen.getByTestId('signup-password'), 'password123');
    await userEvent.click(screen.getByTestId('signup-submit'));
    expect(await screen.findByTestId('error-message')).toHaveTextContent('breached passwords');
    expect(executeMutation).toHaveBeenCalledOnce();
    expect(window.location.pathname).toBe('/');
  });
});

describe('SignInPage', () => {
  it('sends the user to change a breached password', async () => {
    const { client } = mockClient({
      mutation: () => ({ data: { signIn: { __typename: 'SignInPayload', passwordBreached: true, user: { __typename: 'User', id: '1', username: 'alice' } } } }),
    });
    renderWithClient(<SignInPage />, client);
    await userEvent.type(screen.getByTestId('signin-login'), 'alice');
    await userEvent.type(screen.getByTestId('signin-password'), 'password1');
    await userEvent.click(screen.getByTestId('signin-submit'));
    await waitFor(() => expect(window.location.pathname + window.location.search).toBe('/settings?breached=1'));
  });

  it('shows wrong credentials in place', async () => {
    const { client } = mockClient({ mutation: () => ({ error: apiError('Wrong username or password.', 'UNAUTHENTICATED') }) });
    renderWithClient(<SignInPage />, client);
    await userEvent.click(screen.getByTestId('signin-submit'));
    expect(screen.getAllByTestId('field-error')).toHaveLength(2);
    await userEvent.type(screen.getByTestId('signin-login'), 'alice');
    await userEvent.type(screen.getByTestId('signin-password'), 'nope nope nope');
    await userEvent.click(screen.getByTestId('signin-submit'));
    expect(await screen.findByTestId('error-message')).toHaveTextContent('Wrong username or password.');
  });
});

describe('ChangePasswordForm', () => {
  it('checks that the new passwords match', async () => {
    const { client, executeMutation } = mockClient();
    renderWithClient(<ChangePasswordForm />, client);
    await userEvent.type(screen.getByTestId('current-password'), 'old password 1');
    await userEvent.type(screen.getByTestId('new-password'), 'new password 1');
    await userEvent.type(screen.getByTestId('confirm-password'), 'new password 2');
    await userEvent.click(screen.getByTestId('change-password-submit'));
    expect(screen.getByTestId('field-error')).toHaveTextContent('The passwords do not match.');
    expect(executeMutation).not.toHaveBeenCalled();
  });

  it('reports success', async () => {
    const { client } = mockClient({ mutation: () => ({ data: { changePassword: { __typename: 'ChangePasswordPayload', user: { __typename: 'User', id: '1' } } } }) });
    renderWithClient(<ChangePasswordForm />, client);
    await userEvent.type(screen.getByTestId('current-password'), 'old password 1');
    await userEvent.type(screen.getByTestId('new-password'), 'new password 1');
    await userEvent.type(screen.getByTestId('confirm-password'), 'new password 1');
    await userEvent.click(screen.getByTestId('change-password-submit'));
    expect(await screen.findByTestId('password-changed')).toBeInTheDocument();
  });
});
