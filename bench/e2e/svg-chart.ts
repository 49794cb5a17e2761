/**
 * Hand-written SVG (no dependencies) for the end-to-end report: per run, two stacked line charts over time,
 * taps/s decided and notified, and POST-to-SSE latency p50 and p99 per second. A standalone, valid SVG 1.1 file.
 */

export interface ChartSeries {
  name: string;
  color: string;
  /** [x, y]; a null y breaks the line. */
  points: Array<[number, number | null]>;
  dashed?: boolean;
}

export interface RunChart {
  title: string;
  subtitle: string;
  /** Seconds; where the load stopped and the drain began. */
  loadEndS: number;
  throughput: ChartSeries[];
  latency: ChartSeries[];
  /** Optional third chart: CPU cores used per second, by process. */
  cpu?: ChartSeries[];
}

const WIDTH = 960;
const CHART_H = 230;
const MARGIN = { left: 78, right: 24, top: 34, bottom: 44 };
const RUN_HEADER = 46;
const GAP = 18;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A "nice" step (1, 2, 2.5 or 5 × 10^k) giving about `target` ticks up to `max`. */
function niceStep(max: number, target: number, integer = false): number {
  if (!(max > 0)) return 1;
  const raw = max / target;
  if (integer && raw <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

function formatTick(value: number, thousands: boolean): string {
  if (thousands && value >= 1_000_000) return `${+(value / 1_000_000).toFixed(2)}M`;
  if (thousands && value >= 1_000) return `${+(value / 1000).toFixed(1)}k`;
  if (Number.isInteger(value)) return String(value);
  return String(+value.toFixed(2));
}

function chart(
  x0: number, y0: number, title: string, yLabel: string, xMax: number, loadEndS: number, series: ChartSeries[], thousands: boolean,
): string {
  const w = WIDTH - MARGIN.left - MARGIN.right;
  const h = CHART_H - MARGIN.top - MARGIN.bottom;
  const left = x0 + MARGIN.left;
  const top = y0 + MARGIN.top;
  const yValues = series.flatMap((s) => s.points.map((p) => p[1]).filter((v): v is number => v !== null && Number.isFinite(v)));
  const yMaxData = Math.max(0, ...yValues);
  const yStep = niceStep(yMaxData * 1.05, 5);
  const yMax = Math.max(yStep, Math.ceil((yMaxData * 1.05) / yStep) * yStep);
  const xStep = niceStep(xMax, 10, true);
  const sx = (x: number) => left + (x / xMax) * w;
  const sy = (y: number) => top + h - (Math.min(y, yMax) / yMax) * h;
  const out: string[] = [];
  out.push(`<g class="chart">`);
  out.push(`<text x="${left}" y="${y0 + 18}" font-size="14" font-weight="bold" ${FONT}>${esc(title)}</text>`);
  out.push(`<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="#fafafa" stroke="#bbb"/>`);
  for (let y = 0; y <= yMax + yStep / 1e6; y += yStep) {
    const py = sy(y).toFixed(1);
    out.push(`<line x1="${left}" y1="${py}" x2="${left + w}" y2="${py}" stroke="#e2e2e2"/>`);
    out.push(`<text x="${left - 6}" y="${py}" font-size="11" text-anchor="end" dominant-baseline="middle" ${FONT}>${formatTick(y, thousands)}</text>`);
  }
  for (let x = 0; x <= xMax + xStep / 1e6; x += xStep) {
    const px = sx(x).toFixed(1);
    out.push(`<line x1="${px}" y1="${top + h}" x2="${px}" y2="${top + h + 5}" stroke="#555"/>`);
    out.push(`<text x="${px}" y="${top + h + 18}" font-size="11" text-anchor="middle" ${FONT}>${formatTick(x, false)}</text>`);
  }
  out.push(`<line x1="${left}" y1="${top + h}" x2="${left + w}" y2="${top + h}" stroke="#555"/>`);
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + h}" stroke="#555"/>`);
  out.push(`<text x="${left + w / 2}" y="${top + h + 36}" font-size="12" text-anchor="middle" ${FONT}>seconds since the load started</text>`);
  const ly = top + h / 2;
  out.push(`<text x="${x0 + 16}" y="${ly}" font-size="12" text-anchor="middle" transform="rotate(-90 ${x0 + 16} ${ly})" ${FONT}>${esc(yLabel)}</text>`);
  if (loadEndS > 0 && loadEndS < xMax) {
    const px = sx(loadEndS).toFixed(1);
    out.push(`<line x1="${px}" y1="${top}" x2="${px}" y2="${top + h}" stroke="#888" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${(+px - 4).toFixed(1)}" y="${top + 12}" font-size="10" fill="#666" text-anchor="end" ${FONT}>load ends →</text>`);
  }
  for (const s of series) {
    let run: string[] = [];
    const flush = () => {
      if (run.length === 1) out.push(`<circle cx="${run[0]!.split(',')[0]}" cy="${run[0]!.split(',')[1]}" r="2" fill="${s.color}"/>`);
      else if (run.length > 1) {
        out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 3"' : ''} points="${run.join(' ')}"/>`);
      }
      run = [];
    };
    for (const [x, y] of s.points) {
      if (y === null || !Number.isFinite(y)) flush();
      else run.push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    }
    flush();
  }
  let lx = left + w;
  for (const s of [...series].reverse()) {
    const width = 28 + s.name.length * 6.4;
    lx -= width;
    out.push(`<line x1="${lx.toFixed(1)}" y1="${y0 + 14}" x2="${(lx + 20).toFixed(1)}" y2="${y0 + 14}" stroke="${s.color}" stroke-width="3"${s.dashed === true ? ' stroke-dasharray="6 3"' : ''}/>`);
    out.push(`<text x="${(lx + 24).toFixed(1)}" y="${y0 + 18}" font-size="11" ${FONT}>${esc(s.name)}</text>`);
  }
  out.push(`</g>`);
  return out.join('\n');
}

/**
 * @example
 * fs.writeFileSync('report.svg', renderReportSvg([{ title: 'flat out', subtitle: '…', loadEndS: 20,
 *   throughput: [{ name: 'decided', color: '#1f77b4', points: [[1, 9000], [2, 9500]] }], latency: [] }]));
 */
export function renderReportSvg(runs: RunChart[]): string {
  const runHeight = (run: RunChart) => RUN_HEADER + (run.cpu === undefined ? 2 : 3) * CHART_H + GAP;
  const height = runs.reduce((sum, run) => sum + runHeight(run), 0) + 10;
  const body: string[] = [];
  let y = 0;
  runs.forEach((run) => {
    const xMax = Math.max(1, ...run.throughput.concat(run.latency).flatMap((s) => s.points.map((p) => p[0])));
    body.push(`<text x="${MARGIN.left}" y="${y + 24}" font-size="17" font-weight="bold" ${FONT}>${esc(run.title)}</text>`);
    body.push(`<text x="${MARGIN.left}" y="${y + 41}" font-size="12" fill="#444" ${FONT}>${esc(run.subtitle)}</text>`);
    body.push(chart(0, y + RUN_HEADER, 'Throughput: taps per second', 'taps/s', xMax, run.loadEndS, run.throughput, true));
    body.push(chart(0, y + RUN_HEADER + CHART_H, 'Latency, POST sent → SSE frame received (taps notified in that second)', 'ms', xMax, run.loadEndS, run.latency, false));
    if (run.cpu !== undefined) {
      body.push(chart(0, y + RUN_HEADER + 2 * CHART_H, 'CPU, cores (from /proc)', 'cores', xMax, run.loadEndS, run.cpu, false));
    }
    y += runHeight(run);
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<title>ticketd end-to-end benchmark</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...body,
    `</svg>`,
    '',
  ].join('\n');
}
