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

describe('SignInPage with two-factor authentication', () => {
  it('asks for the code and completes the sign-in with the challenge', async () => {
    const calls: unknown[] = [];
    const { client } = mockClient({
      mutation: (vars) => {
        calls.push(vars);
        if (calls.length === 1)
          return { data: { signIn: { __typename: 'SignInPayload', passwordBreached: false, twoFactorRequired: true, challenge: 'dpc_x', user: null } } };
        if (calls.length === 2) return { error: apiError('Invalid two-factor authentication code', 'INVALID_TOTP') };
        return { data: { completeSignIn: { __typename: 'CompleteSignInPayload', user: { __typename: 'User', id: '1', username: 'alice' } } } };
      },
    });
    window.history.replaceState(null, '', '/signin?next=/settings');
    renderWithClient(<SignInPage />, client);
    await userEvent.type(screen.getByTestId('signin-login'), 'alice');
    await userEvent.type(screen.getByTestId('signin-password'), 'password1');
    await userEvent.click(screen.getByTestId('signin-submit'));
    await userEvent.type(await screen.findByTestId('signin-code'), '000000');
    await userEvent.click(screen.getByTestId('signin-code-submit'));
    expect(await screen.findByTestId('error-message')).toHaveTextContent('Invalid two-factor authentication code');
    expect(window.location.pathname).toBe('/signin');
    await userEvent.clear(screen.getByTestId('signin-code'));
    await userEvent.type(screen.getByTestId('signin-code'), '123456');
    await userEvent.click(screen.getByTestId('signin-code-submit'));
    await waitFor(() => expect(window.location.pathname).toBe('/settings'));
    expect(calls[2]).toEqual({ input: { challenge: 'dpc_x', code: '123456' } });
  });
});

describe('ChangePasswordForm', () => {
  it('asks for a code on TOTP_REQUIRED and retries', async () => {
    const calls: unknown[] = [];
    const { client } = mockClient({
      mutation: (vars) => {
        calls.push(vars);
        if (calls.length === 1) return { error: apiError('this action needs a current two-factor authentication code', 'TOTP_REQUIRED') };
        if (calls.length === 2) return { data: { confirmTwoFactor: { __typename: 'ConfirmTwoFactorPayload', sudoUntil: '2026-01-01T00:10:00Z' } } };
        return { data: { changePassword: { __typename: 'ChangePasswordPayload', user: { __typename: 'User', id: '1' } } } };
      },
    });
    renderWithClient(<ChangePasswordForm />, client);
    await userEvent.type(screen.getByTestId('current-password'), 'old password 1');
    await userEvent.type(screen.getByTestId('new-password'), 'new password 1');
    await userEvent.type(screen.getByTestId('confirm-password'), 'new password 1');
    await userEvent.click(screen.getByTestId('change-password-submit'));
    await userEvent.type(await screen.findByTestId('totp-prompt-code'), '123456');
    await userEvent.click(screen.getByTestId('totp-prompt-submit'));
    expect(await screen.findByTestId('password-changed')).toBeInTheDocument();
    expect(calls[1]).toEqual({ input: { code: '123456' } });
    expect(calls[2]).toEqual(calls[0]);
    expect(screen.queryByTestId('totp-prompt')).toBeNull();
  });

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
