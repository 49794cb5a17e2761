/**
 * Reads the Prometheus text exposition format (0.0.4) that `GET /metrics` answers: one sample a line,
 * `name{label="value",…} number`, comments and blank lines skipped. Enough for the console's charts; it does not
 * keep HELP or TYPE.
 */

/** One line of the exposition: a metric name, its labels and its value. */
export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

const LINE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', '\\': '\\', '"': '"' };

/**
 * @example
 * parsePrometheus('ticketd_taps_total{outcome="issued",reason="none"} 3\n')
 * // → [{ name: 'ticketd_taps_total', labels: { outcome: 'issued', reason: 'none' }, value: 3 }]
 */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    // A line this reader does not understand is skipped rather than failing the whole scrape.
    if (match === null) continue;
    const value = Number(match[3] === '+Inf' ? Infinity : match[3] === '-Inf' ? -Infinity : match[3]);
    if (Number.isNaN(value) && match[3] !== 'NaN') continue;
    samples.push({ name: match[1]!, labels: parseLabels(match[2] ?? ''), value });
  }
  return samples;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  for (let match = LABEL.exec(text); match !== null; match = LABEL.exec(text)) {
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c);
  }
  return labels;
}

/**
 * The sum of a metric's samples whose labels match `where` (every sample when absent).
 *
 * @example
 * total(samples, 'ticketd_taps_total', { outcome: 'issued' }) // issued taps, every reason
 */
export function total(samples: readonly Sample[], name: string, where: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(where).every(([key, value]) => sample.labels[key] === value)) sum += sample.value;
  }
  return sum;
}

/**
 * A metric's samples grouped by one label's value.
 *
 * @example
 * byLabel(samples, 'ticketd_mailbox_depth', 'actor') // Map { '/user/ledger' → 0, … }
 */
export function byLabel(samples: readonly Sample[], name: string, label: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const sample of samples) {
    const key = sample.labels[label];
    if (sample.name === name && key !== undefined) values.set(key, (values.get(key) ?? 0) + sample.value);
  }
  return values;
}

/**
 * The q-quantile (0 < q < 1) of a histogram's observations made between two readings, as Prometheus's
 * `histogram_quantile` reads it: from the differences of the cumulative bucket counts, interpolated linearly inside
 * the bucket the rank falls in (from 0 for the first). A rank in the `+Inf` bucket answers the highest finite bound.
 * Undefined when nothing was observed in between. Buckets of every label set are added together.
 *
 * @example
 * quantile(0.99, now, before, 'ticketd_commit_duration_seconds') // 0.0042: 99 % of the commits since took ≤ 4.2 ms
 */
export function quantile(q: number, now: readonly Sample[], before: readonly Sample[], name: string): number | undefined {
  if (!(q > 0 && q < 1)) throw new RangeError(`q must be between 0 and 1, got ${q}`);
  const bucket = `${name}_bucket`;
  const counts = new Map<number, number>();
  const add = (samples: readonly Sample[], sign: 1 | -1) => {
    for (const sample of samples) {
      const le = sample.labels.le;
      if (sample.name !== bucket || le === undefined) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      counts.set(bound, (counts.get(bound) ?? 0) + sign * sample.value);
    }
  };
  add(now, 1);
  add(before, -1);
  const bounds = [...counts.keys()].sort((a, b) => a - b);
  const observed = counts.get(bounds.at(-1) ?? Infinity) ?? 0;
  if (observed <= 0) return undefined;
  const rank = q * observed;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const upTo = counts.get(bound)!;
    if (upTo >= rank) return bound === Infinity ? lower : lower + (bound - lower) * ((rank - below) / (upTo - below));
    lower = bound;
    below = upTo;
  }
  return lower;
}
