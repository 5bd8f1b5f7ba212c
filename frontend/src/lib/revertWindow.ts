// The replace/revert window of a release, as words. The server decides the
// window (Release.revertableUntil); the page only counts it down.

export type RevertWindow =
  | { state: 'always' }
  | { state: 'open'; text: string; remainingMs: number }
  | { state: 'closed'; text: string };

export function revertWindow(
  revertableUntil: string | null | undefined,
  isPrivate: boolean,
  now: Date = new Date(),
): RevertWindow {
  if (isPrivate) return { state: 'always' };
  const closed = {
    state: 'closed' as const,
    text: 'The revert window has closed: this version can no longer be reverted or replaced.',
  };
  if (!revertableUntil) return closed;
  const remainingMs = new Date(revertableUntil).getTime() - now.getTime();
  if (!(remainingMs > 0)) return closed;
  return { state: 'open', remainingMs, text: `can be reverted for ${remainingText(remainingMs)}` };
}

/** "42 more minutes", "1 more minute", "less than a minute", "23 more hours". */
export function remainingText(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  if (ms < 60_000) return 'less than a minute';
  if (minutes <= 120) return minutes === 1 ? '1 more minute' : `${minutes} more minutes`;
  const hours = Math.floor(ms / 3_600_000);
  return `${hours} more hours`;
}
