import type { TickFieldsFragment } from '../../gql/graphql';
import { formatCount, formatDuration } from '../format';

const BUCKETS = 60;
const BUCKET_MS = 60_000;
const WIDTH = 720;
const BAR_HEIGHT = 120;
const LINE_HEIGHT = 60;
const LEFT = 44;
const SLOT = (WIDTH - LEFT) / BUCKETS;

interface Bucket {
  start: number;
  ticks: number;
  attempted: number;
  succeeded: number;
  failed: number;
  /** Mean duration of the minute's ticks, null without ticks. */
  meanDurationMs: number | null;
}

function bucketise(ticks: TickFieldsFragment[], now: number): Bucket[] {
  const first = Math.floor(now / BUCKET_MS) * BUCKET_MS - (BUCKETS - 1) * BUCKET_MS;
  const buckets = Array.from({ length: BUCKETS }, (_, i) => ({
    start: first + i * BUCKET_MS,
    ticks: 0,
    attempted: 0,
    succeeded: 0,
    failed: 0,
    total: 0,
  }));
  for (const tick of ticks) {
    const index = Math.floor((Date.parse(tick.startedAt) - first) / BUCKET_MS);
    const bucket = buckets[index];
    if (!bucket) continue;
    bucket.ticks += 1;
    bucket.attempted += tick.attempted;
    bucket.succeeded += tick.succeeded;
    bucket.failed += tick.failed;
    bucket.total += tick.durationMs ?? 0;
  }
  return buckets.map(({ total, ...bucket }) => ({ ...bucket, meanDurationMs: bucket.ticks ? total / bucket.ticks : null }));
}

function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
}

/**
 * The last hour of the ledger, a bar per minute: succeeded and failed attempts stacked, a mark
 * at the number attempted, and below it the ticks' mean duration. Plain SVG, no chart library.
 */
export function TickChart({ ticks, now, complete }: { ticks: TickFieldsFragment[]; now: number; complete: boolean }) {
  const buckets = bucketise(ticks, now);
  const maxAttempted = Math.max(1, ...buckets.map((b) => Math.max(b.attempted, b.succeeded + b.failed)));
  const maxDuration = Math.max(1, ...buckets.map((b) => b.meanDurationMs ?? 0));
  const totals = buckets.reduce(
    (sum, b) => ({
      ticks: sum.ticks + b.ticks,
      attempted: sum.attempted + b.attempted,
      succeeded: sum.succeeded + b.succeeded,
      failed: sum.failed + b.failed,
    }),
    { ticks: 0, attempted: 0, succeeded: 0, failed: 0 },
  );
  const summary = `Last hour: ${formatCount(totals.ticks)} ticks, ${formatCount(totals.attempted)} attempted, ${formatCount(totals.succeeded)} succeeded, ${formatCount(totals.failed)} failed`;
  const y = (value: number) => BAR_HEIGHT - (value / maxAttempted) * (BAR_HEIGHT - 8);
  const durationY = (value: number) => LINE_HEIGHT - (value / maxDuration) * (LINE_HEIGHT - 8);
  const durationPath = buckets
    .map((b, i) => (b.meanDurationMs === null ? null : `${LEFT + i * SLOT + SLOT / 2},${durationY(b.meanDurationMs)}`))
    .reduce<string[]>((segments, point, i, all) => {
      if (point === null) return segments;
      segments.push(`${i > 0 && all[i - 1] !== null ? 'L' : 'M'}${point}`);
      return segments;
    }, [])
    .join(' ');

  return (
    <figure className="tick-chart">
      <figcaption>
        {summary}
        {!complete && <span className="muted"> (the newest {formatCount(ticks.length)} ticks only)</span>}
      </figcaption>
      <ul className="legend" aria-hidden="true">
        <li className="legend-succeeded">succeeded</li>
        <li className="legend-failed">failed</li>
        <li className="legend-attempted">attempted</li>
        <li className="legend-duration">mean duration</li>
      </ul>
      <svg viewBox={`0 0 ${WIDTH} ${BAR_HEIGHT + LINE_HEIGHT + 28}`} role="img" aria-label={summary}>
        <text x={LEFT - 6} y={12} className="axis" textAnchor="end">
          {formatCount(maxAttempted)}
        </text>
        <text x={LEFT - 6} y={BAR_HEIGHT} className="axis" textAnchor="end">
          0
        </text>
        <line x1={LEFT} x2={WIDTH} y1={BAR_HEIGHT + 0.5} y2={BAR_HEIGHT + 0.5} className="baseline" />
        {buckets.map((b, i) => {
          const x = LEFT + i * SLOT + 1;
          const barWidth = SLOT - 2;
          return (
            <g key={b.start}>
              <title>{`${clock(b.start)}: ${b.ticks} ticks, ${b.attempted} attempted, ${b.succeeded} succeeded, ${b.failed} failed, mean ${formatDuration(b.meanDurationMs)}`}</title>
              {b.succeeded > 0 && (
                <rect x={x} width={barWidth} y={y(b.succeeded)} height={BAR_HEIGHT - y(b.succeeded)} className="bar-succeeded" />
              )}
              {b.failed > 0 && (
                <rect
                  x={x}
                  width={barWidth}
                  y={y(b.succeeded + b.failed)}
                  height={y(b.succeeded) - y(b.succeeded + b.failed)}
                  className="bar-failed"
                />
              )}
              {b.attempted > 0 && <line x1={x} x2={x + barWidth} y1={y(b.attempted)} y2={y(b.attempted)} className="mark-attempted" />}
            </g>
          );
        })}
        <g transform={`translate(0 ${BAR_HEIGHT + 8})`}>
          <text x={LEFT - 6} y={12} className="axis" textAnchor="end">
            {formatDuration(maxDuration)}
          </text>
          <line x1={LEFT} x2={WIDTH} y1={LINE_HEIGHT + 0.5} y2={LINE_HEIGHT + 0.5} className="baseline" />
          {durationPath && <path d={durationPath} className="line-duration" />}
          {buckets.map((b, i) =>
            b.meanDurationMs === null ? null : (
              <circle key={b.start} cx={LEFT + i * SLOT + SLOT / 2} cy={durationY(b.meanDurationMs)} r={2} className="point-duration" />
            ),
          )}
        </g>
        {[0, 15, 30, 45, 59].map((i) => (
          <text
            key={i}
            x={LEFT + i * SLOT + SLOT / 2}
            y={BAR_HEIGHT + LINE_HEIGHT + 24}
            className="axis"
            textAnchor={i === 59 ? 'end' : 'middle'}
          >
            {clock(buckets[i].start)}
          </text>
        ))}
      </svg>
    </figure>
  );
}
