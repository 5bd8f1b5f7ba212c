import { formatExact, formatRelative } from '../lib/time';
import { useNow } from '../lib/useNow';

/** "3 minutes ago", with the exact time on hover. */
export function RelativeTime({ value }: { value: string | null | undefined }) {
  const now = useNow(30_000);
  if (!value) return <span className="muted">—</span>;
  return (
    <time dateTime={value} title={formatExact(value)}>
      {formatRelative(value, now)}
    </time>
  );
}
