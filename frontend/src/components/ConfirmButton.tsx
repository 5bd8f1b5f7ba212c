import { useEffect, useRef, useState, type ReactNode } from 'react';

/**
 * A destructive action in two steps: the first click asks, the second does it.
 * The question stays inline (no window.confirm) so it is keyboard-friendly and
 * testable.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel = 'Yes, do it',
  onConfirm,
  disabled,
  busy,
  testId,
  className = 'danger',
}: {
  label: ReactNode;
  question: ReactNode;
  confirmLabel?: string;
  onConfirm: () => void | Promise<unknown>;
  disabled?: boolean;
  busy?: boolean;
  testId?: string;
  className?: string;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" className={className} disabled={disabled || busy} onClick={() => setAsking(true)} data-testid={testId}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label="Confirm">
      <span className="confirm-question">{question}</span>
      <button
        type="button"
        ref={confirmRef}
        className="danger"
        disabled={busy}
        data-testid="confirm-button"
        onClick={async () => {
          await onConfirm();
          setAsking(false);
        }}
      >
        {busy ? 'Working…' : confirmLabel}
      </button>
      <button type="button" className="secondary" onClick={() => setAsking(false)} data-testid="cancel-button">
        Cancel
      </button>
    </span>
  );
}
