// Client-side checks that mirror the API's rules (SPEC §3, §7), so people see a
// problem before they submit. The server checks again and has the last word.

export const MIN_PASSWORD = 10;

export function validateUsername(u: string): string | null {
  if (!u) return 'Choose a username.';
  if (u !== u.toLowerCase()) return 'Use lower-case letters only.';
  if (u.length < 3) return 'At least 3 characters.';
  if (!/^[a-z0-9_.-]+$/.test(u)) return 'Only a–z, 0–9, _, - and . are allowed.';
  return null;
}

export function validateOrgName(n: string): string | null {
  if (!n) return 'Choose a name.';
  if (n.length < 3) return 'At least 3 characters.';
  if (!/^[a-z0-9_]+$/.test(n)) return 'Only a–z, 0–9 and _ are allowed.';
  return null;
}

export function validateEmail(e: string): string | null {
  if (!e) return 'Enter your email address.';
  if (!/^[^\s@]+@[^\s@]+$/.test(e)) return 'That does not look like an email address.';
  return null;
}

export function validateNewPassword(p: string, confirm?: string): string | null {
  if (p.length < MIN_PASSWORD) return `At least ${MIN_PASSWORD} characters.`;
  if (confirm !== undefined && p !== confirm) return 'The passwords do not match.';
  return null;
}

export type Errors<K extends string> = Partial<Record<K, string>>;

export function hasErrors(errors: Record<string, string | null | undefined>): boolean {
  return Object.values(errors).some(Boolean);
}
