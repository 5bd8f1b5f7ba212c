import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { DownloadsChart, niceMax } from './DownloadsChart';

const days = [
  { day: '2026-01-13', downloads: 4 },
  { day: '2026-01-14', downloads: 0 },
  { day: '2026-01-15', downloads: 1234 },
];
const stats = { allTime: 5000, recent: 1238, week: 1238, day: 1234 };

describe('DownloadsChart', () => {
  it('draws one point per day, scaled to the series', () => {
    render(<DownloadsChart label="Downloads" days={days} stats={stats} />);
    const points = screen.getAllByTestId('downloads-point');
    expect(points.map((p) => p.getAttribute('data-day'))).toEqual(days.map((d) => d.day));
    expect(points.map((p) => p.getAttribute('data-downloads'))).toEqual(['4', '0', '1234']);
    const cy = points.map((p) => Number(p.getAttribute('cy')));
    // Higher counts sit higher (smaller y); zero sits on the baseline.
    expect(cy[2]).toBeLessThan(cy[0]);
    expect(cy[0]).toBeLessThan(cy[1]);
    const cx = points.map((p) => Number(p.getAttribute('cx')));
    expect(cx[0]).toBeLessThan(cx[1]);
    expect(cx[1]).toBeLessThan(cx[2]);
  });

  it('shows the stats the API gives', () => {
    render(<DownloadsChart label="Downloads" days={days} stats={stats} />);
    expect(screen.getByTestId('downloads-day')).toHaveTextContent('1,234');
    expect(screen.getByTestId('downloads-week')).toHaveTextContent('1,238');
    expect(screen.getByTestId('downloads-recent')).toHaveTextContent('1,238');
    expect(screen.getByTestId('downloads-all')).toHaveTextContent('5,000');
  });

  it('shows a day’s value on hover and on keyboard focus', async () => {
    render(<DownloadsChart label="Downloads" days={days} stats={stats} />);
    const tip = screen.getByTestId('downloads-tooltip');
    expect(tip).not.toHaveTextContent('1,234');
    fireEvent.mouseEnter(screen.getByLabelText('2026-01-15: 1,234 downloads'));
    expect(tip).toHaveTextContent('1,234 downloads on 2026-01-15');
    expect(screen.getAllByTestId('downloads-point')[2]).toHaveClass('active');
    await userEvent.tab();
    expect(tip).toHaveTextContent('4 downloads on 2026-01-13');
  });

  it('lists every day in an accessible table', () => {
    render(<DownloadsChart label="Downloads" days={days} stats={stats} />);
    const table = screen.getByRole('table', { hidden: true });
    const rows = within(table).getAllByRole('row', { hidden: true });
    expect(rows).toHaveLength(4);
    expect(rows[3]).toHaveTextContent('2026-01-151,234');
    expect(screen.getByRole('img')).toHaveAccessibleName(/from 2026-01-13 to 2026-01-15, at most 1,234 a day/);
  });

  it('labels the scale with whole numbers only', () => {
    const { container } = render(<DownloadsChart label="Downloads" days={[{ day: '2026-01-15', downloads: 3 }]} stats={stats} />);
    const labels = [...container.querySelectorAll('.chart-grid text')].map((e) => e.textContent);
    expect(labels).toEqual(['0', '5']);
  });

  it('draws no chart without days', () => {
    render(<DownloadsChart label="Downloads" days={[]} stats={{ allTime: 0, recent: 0, week: 0, day: 0 }} />);
    expect(screen.queryAllByTestId('downloads-point')).toHaveLength(0);
    expect(screen.getByTestId('downloads-all')).toHaveTextContent('0');
  });
});

describe('niceMax', () => {
  it('rounds the scale up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 3, 7, 10, 11, 1234, 5001].map(niceMax)).toEqual([1, 1, 5, 10, 10, 20, 2000, 10000]);
  });
});
