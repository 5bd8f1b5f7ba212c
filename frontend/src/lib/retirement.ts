export const retirementReasons = ['OTHER', 'INVALID', 'SECURITY', 'DEPRECATED', 'RENAMED'] as const;
export type Reason = (typeof retirementReasons)[number];

const labels: Record<Reason, string> = {
  OTHER: 'other',
  INVALID: 'invalid',
  SECURITY: 'security issue',
  DEPRECATED: 'deprecated',
  RENAMED: 'renamed',
};

export function reasonLabel(reason: string): string {
  return labels[reason as Reason] ?? reason.toLowerCase();
}

/** The API's rule for the optional message: empty, or 3..140 characters. */
export function validateRetireMessage(message: string): string | null {
  const m = message.trim();
  if (m === '') return null;
  if (m.length < 3) return 'The message must be at least 3 characters, or empty.';
  if (m.length > 140) return 'The message must be at most 140 characters.';
  return null;
}
