import type { CombinedError } from 'urql';
import { errorText } from '../lib/errors';

/** An error shown in place, next to the form or action that failed. */
export function ErrorMessage({ error, id }: { error: CombinedError | string | null | undefined; id?: string }) {
  const text = typeof error === 'string' ? error : errorText(error);
  if (!text) return null;
  return (
    <p className="error" role="alert" data-testid="error-message" id={id}>
      {text}
    </p>
  );
}
