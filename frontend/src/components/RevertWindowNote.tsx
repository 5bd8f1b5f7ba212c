import { revertWindow } from '../lib/revertWindow';
import { formatExact } from '../lib/time';
import { useNow } from '../lib/useNow';

/**
 * How long a release can still be replaced or reverted, counting down live.
 * The server is the judge (Release.revertableUntil); when the time passes the
 * text turns to the closed state without a reload.
 */
export function RevertWindowNote({
  revertableUntil,
  isPrivate,
  now: fixedNow,
  subject = 'This version',
}: {
  revertableUntil: string | null | undefined;
  isPrivate: boolean;
  now?: Date;
  /** What the sentence is about, e.g. "Version 1.2.0". */
  subject?: string;
}) {
  const liveNow = useNow(10_000);
  const w = revertWindow(revertableUntil, isPrivate, fixedNow ?? liveNow);
  if (w.state === 'always') {
    return (
      <p className="window-note" data-testid="revert-window" data-state="always">
        Private package: {subject.toLowerCase()} can be replaced or reverted at any time.
      </p>
    );
  }
  if (w.state === 'closed') {
    return (
      <p className="window-note closed" data-testid="revert-window" data-state="closed">
        {w.text}
      </p>
    );
  }
  return (
    <p className="window-note open" data-testid="revert-window" data-state="open">
      {subject} {w.text}
      {revertableUntil ? <span className="muted" title={formatExact(revertableUntil)}> (until {formatExact(revertableUntil)})</span> : null}.
    </p>
  );
}

/** Whether the window is open right now (private packages: always). */
export function windowOpen(revertableUntil: string | null | undefined, isPrivate: boolean, now: Date): boolean {
  return revertWindow(revertableUntil, isPrivate, now).state !== 'closed';
}
