import { describe, expect, it } from 'vitest';
import { remainingText, revertWindow } from './revertWindow';

const now = new Date('2026-11-26T12:00:00Z');
const inMinutes = (m: number) => new Date(now.getTime() + m * 60_000).toISOString();

describe('revertWindow', () => {
  it('counts down the minutes left', () => {
    expect(revertWindow(inMinutes(42), false, now)).toMatchObject({ state: 'open', text: 'can be reverted for 42 more minutes' });
  });

  it('rounds part of a minute up', () => {
    expect(revertWindow(inMinutes(41.5), false, now)).toMatchObject({ text: 'can be reverted for 42 more minutes' });
  });

  it('is closed when the time has passed', () => {
    const w = revertWindow(inMinutes(-1), false, now);
    expect(w.state).toBe('closed');
    expect(w.state === 'closed' && w.text).toMatch(/can no longer be reverted/);
  });

  it('is closed exactly at the deadline', () => {
    expect(revertWindow(inMinutes(0), false, now).state).toBe('closed');
  });

  it('is closed when the server says there is no window', () => {
    expect(revertWindow(null, false, now).state).toBe('closed');
  });

  it('is always open for private packages', () => {
    expect(revertWindow(null, true, now).state).toBe('always');
  });
});

describe('remainingText', () => {
  it.each([
    [30_000, 'less than a minute'],
    [60_000, '1 more minute'],
    [59 * 60_000, '59 more minutes'],
    [120 * 60_000, '120 more minutes'],
    [23.5 * 3600_000, '23 more hours'],
  ])('%i ms is "%s"', (ms, text) => {
    expect(remainingText(ms)).toBe(text);
  });
});
