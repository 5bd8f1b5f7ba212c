import { reasonLabel } from '../lib/retirement';

export function RetiredBadge({ retirement }: { retirement: { reason: string; message?: string | null } }) {
  return (
    <span className="retired">
      <span className="badge badge-warn" data-testid="retired-badge" data-reason={retirement.reason} title={retirement.message || undefined}>
        retired: {reasonLabel(retirement.reason)}
      </span>
      {retirement.message ? <span className="retired-message"> {retirement.message}</span> : null}
    </span>
  );
}
