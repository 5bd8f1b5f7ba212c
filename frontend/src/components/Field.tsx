import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

/** A labelled input with its validation message tied to it for screen readers. */
export function Field({
  label,
  error,
  hint,
  ...input
}: { label: ReactNode; error?: string | null; hint?: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  const errId = `${id}-err`;
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={[error ? errId : '', hint ? hintId : ''].filter(Boolean).join(' ') || undefined}
        {...input}
      />
      {hint ? (
        <small id={hintId} className="hint">
          {hint}
        </small>
      ) : null}
      {error ? (
        <small id={errId} className="field-error" data-testid="field-error">
          {error}
        </small>
      ) : null}
    </div>
  );
}
