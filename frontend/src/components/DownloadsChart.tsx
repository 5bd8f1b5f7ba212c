import { useId, useState } from 'react';

// DownloadsChart draws downloads per day as a hand-written SVG line with one
// point per day (no charting dependency: it stays small), shows the day's
// count on hover or keyboard focus, and lists the same numbers in a table
// for screen readers and copying. It shows what the API answers; the days
// and windows are the server's (downloadsByDay, downloadStats).

export type DayCount = { day: string; downloads: number };
export type Stats = { allTime: number; recent: number; week: number; day: number };

const W = 640;
const H = 160;
const PAD = { top: 12, right: 12, bottom: 22, left: 44 };

const fmt = (n: number) => n.toLocaleString('en');

// niceMax rounds the top of the scale up to 1, 2 or 5 times a power of ten.
export function niceMax(n: number): number {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= n) ?? 10 * p;
}

export function DownloadsChart({ days, stats, label }: { days: DayCount[]; stats: Stats; label: string }) {
  const [active, setActive] = useState<number | null>(null);
  const titleId = useId();
  const top = niceMax(Math.max(0, ...days.map((d) => d.downloads)));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const step = days.length > 1 ? innerW / (days.length - 1) : 0;
  const x = (i: number) => PAD.left + (days.length > 1 ? i * step : innerW / 2);
  const y = (n: number) => PAD.top + innerH - (n / top) * innerH;
  const line = days.map((d, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(d.downloads).toFixed(1)}`).join(' ');
  const area = days.length ? `${line} L${x(days.length - 1).toFixed(1)},${y(0)} L${x(0).toFixed(1)},${y(0)} Z` : '';
  const hit = Math.max(step, 4);
  const shown = active === null ? null : days[active];
  const first = days[0]?.day;
  const last = days[days.length - 1]?.day;

  return (
    <section className="card downloads" aria-labelledby={titleId} data-testid="downloads-chart">
      <h2 id={titleId}>{label}</h2>
      <dl className="download-stats">
        <div>
          <dt>Yesterday</dt>
          <dd data-testid="downloads-day">{fmt(stats.day)}</dd>
        </div>
        <div>
          <dt>Last 7 days</dt>
          <dd data-testid="downloads-week">{fmt(stats.week)}</dd>
        </div>
        <div>
          <dt>Last 90 days</dt>
          <dd data-testid="downloads-recent">{fmt(stats.recent)}</dd>
        </div>
        <div>
          <dt>All time</dt>
          <dd data-testid="downloads-all">{fmt(stats.allTime)}</dd>
        </div>
      </dl>
      {days.length ? (
        <figure className="chart">
          <svg
            viewBox={`0 0 ${W} ${H}`}
            role="img"
            aria-label={`Downloads per day from ${first} to ${last}, at most ${fmt(Math.max(...days.map((d) => d.downloads)))} a day; the table below lists each day.`}
            onMouseLeave={() => setActive(null)}
          >
            {[0, top / 2, top].filter(Number.isInteger).map((v) => (
              <g key={v} className="chart-grid">
                <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
                <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end">
                  {fmt(v)}
                </text>
              </g>
            ))}
            <text className="chart-axis" x={PAD.left} y={H - 6}>
              {first}
            </text>
            <text className="chart-axis" x={W - PAD.right} y={H - 6} textAnchor="end">
              {last}
            </text>
            <path className="chart-area" d={area} />
            <path className="chart-line" d={line} />
            {days.map((d, i) => (
              <g key={d.day}>
                <circle
                  className={i === active ? 'chart-point active' : 'chart-point'}
                  cx={x(i)}
                  cy={y(d.downloads)}
                  r={i === active ? 4 : 2}
                  data-testid="downloads-point"
                  data-day={d.day}
                  data-downloads={d.downloads}
                />
                <rect
                  className="chart-hit"
                  x={x(i) - hit / 2}
                  y={PAD.top}
                  width={hit}
                  height={innerH}
                  tabIndex={0}
                  aria-label={`${d.day}: ${fmt(d.downloads)} downloads`}
                  onMouseEnter={() => setActive(i)}
                  onFocus={() => setActive(i)}
                  onBlur={() => setActive(null)}
                />
              </g>
            ))}
          </svg>
          <figcaption className="chart-tooltip" aria-live="polite" data-testid="downloads-tooltip">
            {shown ? (
              <>
                <strong>{fmt(shown.downloads)}</strong> downloads on {shown.day}
              </>
            ) : (
              <span className="muted">Point at a day to see its downloads.</span>
            )}
          </figcaption>
        </figure>
      ) : null}
      <details>
        <summary>Downloads per day as a table</summary>
        <table className="downloads-table" data-testid="downloads-table">
          <caption className="visually-hidden">{label}, per day (UTC)</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Downloads</th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <th scope="row">{d.day}</th>
                <td>{fmt(d.downloads)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
