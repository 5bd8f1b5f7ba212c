import type { CombinedError } from 'urql';

/** The error codes the API puts in extensions.code. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'WINDOW_CLOSED'
  | 'PAYMENT_REQUIRED'
  | 'SEATS_EXHAUSTED'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'TOTP_REQUIRED'
  | 'INVALID_TOTP'
  | 'INTERNAL';

/** The API's own message(s), joined; a plain sentence for network failures. */
export function errorText(error: CombinedError | null | undefined): string | null {
  if (!error) return null;
  if (error.graphQLErrors.length) {
    return [...new Set(error.graphQLErrors.map((e) => e.message))].join(' ');
  }
  if (error.networkError) {
    const msg = error.networkError.message;
    return msg && !/^(Failed to fetch|NetworkError|Load failed)/i.test(msg)
      ? `Could not reach the server: ${msg}`
      : 'Could not reach the server. Check your connection and try again.';
  }
  return error.message;
}

export function errorCodes(error: CombinedError | null | undefined): string[] {
  if (!error) return [];
  return error.graphQLErrors.map((e) => String(e.extensions?.code ?? '')).filter(Boolean);
}

export function hasCode(error: CombinedError | null | undefined, code: ErrorCode): boolean {
  return errorCodes(error).includes(code);
}

/** The input field the API names (extensions.field) for its first error that names one. */
export function errorField(error: CombinedError | null | undefined): string | null {
  const e = error?.graphQLErrors.find((g) => typeof g.extensions?.field === 'string');
  return e ? String(e.extensions.field) : null;
}
