/**
 * The console's live view of `GET /metrics`, read once a second: five charts (taps per second by outcome, commit
 * batch size, commit latency, SSE connections, the worker pool), one chart per show of its places held and sold, and the table of
 * actor mailboxes. Rates and the mean batch size come
 * from the difference between two readings, so the first reading only sets the baseline.
 */
import { ApiError, el } from '../shared/api.ts';
import { byLabel, parsePrometheus, quantile, total, type Sample } from '../shared/prometheus.ts';
import { LiveChart } from './live-chart.ts';
import { ShowCharts } from './show-charts.ts';

const POINTS_MAX = 120;
/** Shows charted at once; a console with more live shows names the rest below the charts. */
const SHOW_CHARTS_MAX = 12;
const OUTCOMES = ['issued', 'rejected', 'failed'] as const;
const perSecond = (v: number) => `${v.toFixed(1)}/s`;
const plain = (v: number) => `${Math.round(v * 10) / 10}`;

interface Reading { atS: number; samples: Sample[] }

/**
 * @example
 * const panel = new MetricsPanel(document);
 * await panel.read(); // call once a second
 */
export class MetricsPanel {
  readonly #taps: LiveChart;
  readonly #batch: LiveChart;
  readonly #commit: LiveChart;
  readonly #sse: LiveChart;
  readonly #pool: LiveChart;
  readonly #shows: ShowCharts;
  readonly #tapsFigure: HTMLElement;
  readonly #mailboxes: HTMLElement;
  #previous: Reading | undefined;

  constructor(root: Document) {
    const figure = (id: string) => root.getElementById(id)!;
    this.#tapsFigure = figure('chart-taps');
    this.#taps = new LiveChart(this.#tapsFigure, [
      ...OUTCOMES.map((label) => ({ label, format: perSecond })), { label: 'other', format: perSecond },
    ], POINTS_MAX);
    this.#batch = new LiveChart(figure('chart-batch'), [{ label: 'mean batch', format: plain }], POINTS_MAX);
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    this.#commit = new LiveChart(figure('chart-commit'), [{ label: 'mean', format: ms }, { label: 'p99', format: ms }], POINTS_MAX);
    this.#sse = new LiveChart(figure('chart-sse'), [{ label: 'connections', format: plain }], POINTS_MAX);
    this.#pool = new LiveChart(figure('chart-pool'), [
      { label: 'queued', format: plain }, { label: 'utilisation %', format: (v) => `${v.toFixed(0)} %` },
    ], POINTS_MAX);
    this.#shows = new ShowCharts(figure('show-charts'), figure('show-charts-empty'), SHOW_CHARTS_MAX, POINTS_MAX);
    this.#mailboxes = figure('mailboxes');
  }

  /** Reads the metrics once and updates the charts and the table. */
  async read(): Promise<void> {
    // Not JSON, so not through api(): a plain GET with the session cookie (no CSRF token needed to read).
    const response = await fetch('/metrics', { credentials: 'same-origin' });
    if (!response.ok) throw new ApiError(response.status, 'metrics_unavailable', `GET /metrics answered ${response.status}`);
    const text = await response.text();
    const reading = { atS: Date.now() / 1000, samples: parsePrometheus(text) };
    const { samples } = reading;
    const tapsTotal = total(samples, 'ticketd_taps_total');
    this.#tapsFigure.dataset.total = String(tapsTotal);
    const previous = this.#previous;
    this.#previous = reading;
    this.#mailboxTable(samples);
    // Places are levels, not counters: they chart from the first reading.
    this.#shows.push(reading.atS, samples);
    if (previous === undefined) return;

    const dtS = Math.max(reading.atS - previous.atS, 0.001);
    /** How much a counter (or a histogram's `_sum` or `_count`) grew since the reading before. */
    const grown = (name: string, where: Record<string, string> = {}) => total(samples, name, where) - total(previous.samples, name, where);
    /** The mean of a histogram's observations since the reading before (0 when there were none). */
    const mean = (histogram: string) => {
      const observed = grown(`${histogram}_count`);
      return observed > 0 ? grown(`${histogram}_sum`) / observed : 0;
    };
    const rate = (name: string, where: Record<string, string> = {}) => Math.max(0, grown(name, where)) / dtS;
    const known = OUTCOMES.map((outcome) => rate('ticketd_taps_total', { outcome }));
    const other = Math.max(0, rate('ticketd_taps_total') - known.reduce((a, b) => a + b, 0));
    this.#taps.push(reading.atS, [...known, other]);

    this.#batch.push(reading.atS, [mean('ticketd_commit_batch_taps')]);
    // Over the commits since the reading before: their mean, and the 99th percentile read from the histogram's buckets.
    const p99 = quantile(0.99, samples, previous.samples, 'ticketd_commit_duration_seconds') ?? 0;
    this.#commit.push(reading.atS, [mean('ticketd_commit_duration_seconds') * 1_000, p99 * 1_000]);
    this.#sse.push(reading.atS, [total(samples, 'ticketd_sse_connections')]);
    this.#pool.push(reading.atS, [total(samples, 'ticketd_pool_queue_size'), total(samples, 'ticketd_pool_utilization') * 100]);
  }

  #mailboxTable(samples: readonly Sample[]): void {
    const depth = byLabel(samples, 'ticketd_mailbox_depth', 'actor');
    const high = byLabel(samples, 'ticketd_mailbox_high_watermark', 'actor');
    const capacity = byLabel(samples, 'ticketd_mailbox_capacity', 'actor');
    const dropped = byLabel(samples, 'ticketd_mailbox_dropped_total', 'actor');
    const cell = (value: number | undefined, warn = false) =>
      el('td', { class: warn ? 'num warn' : 'num' }, value === undefined ? '—' : String(value));
    const rows = [...depth.keys()].sort().map((actor) => el('tr', {},
      el('th', { scope: 'row' }, actor),
      cell(depth.get(actor)), cell(high.get(actor)), cell(capacity.get(actor)),
      cell(dropped.get(actor), (dropped.get(actor) ?? 0) > 0)));
    this.#mailboxes.replaceChildren(...rows);
  }
}
