/**
 * A small strict parser of the Prometheus text exposition format (version 0.0.4), for tests: every line must be a
 * `# HELP`, a `# TYPE` or a sample; every sample must belong to a metric whose TYPE came first (histograms by their
 * `_bucket`, `_sum` and `_count`); label values must be properly quoted and escaped; values must be numbers. Anything
 * else throws, naming the line.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = new RegExp(`^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\["\\\\n])*)"(,|$)`);
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, readonly string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

/**
 * @example
 * const { samples } = parsePrometheusText(await res.text());
 * value(samples, 'ticketd_taps_total', { outcome: 'issued', reason: 'none' }); // 1
 */
export function parsePrometheusText(text: string): Exposition {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fail = (why: string): never => {
      throw new Error(`line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      const match = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line) ?? fail('bad HELP');
      if (help.has(match[1]!)) fail('second HELP');
      help.set(match[1]!, match[2]!);
    } else if (line.startsWith('# TYPE ')) {
      const match = new RegExp(`^# TYPE (${NAME}) (\\w+)$`).exec(line) ?? fail('bad TYPE');
      if (!TYPES.has(match[2]!)) fail('unknown type');
      if (types.has(match[1]!)) fail('second TYPE');
      types.set(match[1]!, match[2]!);
    } else if (line.startsWith('#')) {
      fail('a comment that is neither HELP nor TYPE');
    } else {
      const match = SAMPLE_LINE.exec(line) ?? fail('not a sample');
      const name = match[1]!;
      if (familyOf(name, types) === undefined) fail('a sample of no declared metric');
      const value = parseValue(match[3]!) ?? fail('not a number');
      samples.push({ name, labels: parseLabels(match[2] ?? '') ?? fail('bad labels'), value });
    }
  }
  return { types, help, samples };
}

/** The value of the one sample named `name` with exactly these labels (undefined when there is none). */
export function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const found = samples.filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${wanted}`);
  return found[0]?.value;
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name) && !['histogram'].includes(types.get(name)!)) return name;
  for (const [family, type] of types) {
    for (const suffix of SUFFIXES[type] ?? []) if (name === family + suffix) return family;
  }
  return undefined;
}

/** As Prometheus reads values (Go's ParseFloat): `NaN` and `Inf` in any case; prom-client writes `Nan`. */
function parseValue(text: string): number | undefined {
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  return /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text) ? Number(text) : undefined;
}

function parseLabels(text: string): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  let rest = text;
  for (let n = 0; rest !== '' && n < 100; n++) {
    const match = LABEL.exec(rest);
    if (match === null || match[1]! in labels) return undefined;
    labels[match[1]!] = match[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(match[0].length);
  }
  return rest === '' ? labels : undefined;
}
