/**
 * Where the server's time goes in V8 `.cpuprofile` files (as `booking-http.bench.ts --profile DIR` makes them), as
 * shares of busy (non-idle) time, in three views:
 *
 * - **by owner**: each sample charged to the innermost frame of ticketd's own code (`src/…`) or of a package
 *   (`npm:zod`), so that Node internals and natives count for the code that called them; samples with neither on the
 *   stack (the HTTP parser, sockets, GC) are charged to their innermost frame's module or name;
 * - **on the stack**: the share of samples with a file or package anywhere on the stack (inclusive, so shares
 *   overlap: `src/http/app` holds nearly everything);
 * - **matches**: `--match NAME=REGEX` (repeatable) gives the inclusive share of samples with a frame whose
 *   `functionName url` matches REGEX (e.g. `--match 'auth=auth-middleware|token-auth'`);
 * - **breakdown** (exclusive, sums to 100 %): each sample to one of BREAKDOWN's parts (see there), else `other`.
 *
 * `--windows FILE --scenario NAME` keeps only the samples taken while that scenario ran (the bench writes FILE).
 * bench/cpuprofile-summary.ts gives self time per function; this one answers "how much of the time is under X".
 *
 * @example
 * node --import tsx bench/booking-http-profile.ts /tmp/prof/*.cpuprofile --top 25 --match 'zod=/node_modules/zod/'
 * node --import tsx bench/booking-http-profile.ts /tmp/prof/*.cpuprofile --windows /tmp/prof/booking-http-windows.json --scenario ga
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** Monotonic µs, the clock of `process.hrtime()` on Linux. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A time span of one scenario, as booking-http.bench.ts writes them next to the profiles. */
export interface ProfileWindow {
  run: number;
  name: string;
  /** `process.hrtime.bigint() / 1000n`: the same monotonic µs as a profile's `startTime`. */
  fromUs: number;
  toUs: number;
}

const STACK_DEPTH_MAX = 2_000;

/**
 * The parts of a booking request's cost. A sample goes to the first `whole` part with a frame anywhere on its stack
 * (a subsystem with everything it calls: SQLite inside the group commit is the commit's); failing that, to the part
 * of the innermost frame that matches one (middleware wraps the rest of a request, so only its own frames are its).
 * Patterns match `functionName url`.
 */
const BREAKDOWN: Array<{ name: string; pattern: RegExp; whole: boolean }> = [
  { name: 'group commit (ledger transaction: SQLite writes, fsync)', pattern: /^(commitGroup|commitOutcomes) .*\/store\/ticket-store/, whole: true },
  { name: 'inventory (hold decision, in its actor)', pattern: /\/box-office\/inventory/, whole: true },
  { name: 'zod (request validation)', pattern: /\/node_modules\/(zod|@hono\/zod-openapi|@hono\/zod-validator)\//, whole: true },
  { name: 'token check (hash, lookup)', pattern: /\/(src|dist)\/auth\/|token-secret/, whole: true },
  { name: 'SQLite reads (outside the commit)', pattern: /\/better-sqlite3\//, whole: true },
  { name: 'logging (pino: access lines)', pattern: /\/node_modules\/(pino|sonic-boom|thread-stream)\/|platform\/logger/, whole: true },
  { name: 'metrics (prom-client)', pattern: /\/node_modules\/prom-client\//, whole: true },
  { name: 'middleware (access log, metrics, auth, body limit: own frames)', pattern: /access-log|http-metrics|auth-middleware|body-limit|cors-policy/, whole: false },
  { name: 'box office saga (book, answer)', pattern: /\/box-office\//, whole: false },
  { name: 'store (rows to objects, lookups)', pattern: /\/(src|dist)\/store\//, whole: false },
  { name: 'actor runtime (dispatch, ask, reply)', pattern: /\/(src|dist)\/actors\//, whole: false },
  { name: 'hono (routing, context, JSON answer)', pattern: /\/node_modules\/(hono|@hono\/node-server)\//, whole: false },
  { name: 'node http, sockets, web streams', pattern: /^[^ ]* node:(_http|net|stream|internal\/(stream|streams|webstreams|deps\/undici))/, whole: false },
  { name: 'garbage collector', pattern: /^\(garbage collector\) /, whole: false },
];
const OTHER = 'other';

/** Who a frame belongs to: `src/<dir>/<file>`, `npm:<package>`, `node:<module>`, or undefined for a native. */
function ownerOf(url: string): string | undefined {
  if (url === '') return undefined;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    return `npm:${parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  // The binary runs the build (dist/ mirrors src/); tsx runs src/ and bench/ themselves.
  const built = /\/dist\/(.+?)(\.[cm]?js)?$/.exec(url);
  if (built) return `src/${built[1]}`;
  const source = /\/(src|bench)\/(.+?)(\.[cm]?[jt]s)?$/.exec(url);
  if (source) return `${source[1]}/${source[2]}`;
  if (url.startsWith('node:')) return url;
  return url.replace(/^.*\//, '');
}

const isOwnCode = (owner: string | undefined) => owner !== undefined && (owner.startsWith('src/') || owner.startsWith('npm:'));

interface Totals {
  busyUs: number;
  breakdown: Map<string, number>;
  byOwner: Map<string, number>;
  onStack: Map<string, number>;
  matches: Map<string, number>;
}

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us);
}

function addProfile(profile: CpuProfile, rules: Array<[string, RegExp]>, windows: readonly ProfileWindow[] | undefined, totals: Totals): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  let atUs = profile.startTime;
  profile.samples.forEach((leafId, i) => {
    atUs += profile.timeDeltas[i] ?? 0;
    if (windows !== undefined && !windows.some((w) => atUs >= w.fromUs && atUs <= w.toUs)) return;
    const leaf = byId.get(leafId);
    if (leaf === undefined || leaf.callFrame.functionName === '(idle)') return;
    const us = profile.timeDeltas[i] ?? 0;
    totals.busyUs += us;
    const owners = new Set<string>();
    const matched = new Set<string>();
    let whole = BREAKDOWN.length;
    let innermost: number | undefined;
    let charged: string | undefined;
    let id: number | undefined = leafId;
    for (let depth = 0; id !== undefined && depth < STACK_DEPTH_MAX; depth++, id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      const owner = ownerOf(frame.url);
      if (owner !== undefined) owners.add(owner);
      if (charged === undefined && isOwnCode(owner)) charged = owner;
      const text = `${frame.functionName} ${frame.url}`;
      for (const [name, pattern] of rules) if (pattern.test(text)) matched.add(name);
      const k = BREAKDOWN.findIndex((p) => p.pattern.test(text));
      if (k >= 0 && BREAKDOWN[k]!.whole) whole = Math.min(whole, k);
      else if (k >= 0) innermost ??= k;
    }
    add(totals.breakdown, BREAKDOWN[whole < BREAKDOWN.length ? whole : (innermost ?? -1)]?.name ?? OTHER, us);
    add(totals.byOwner, charged ?? ownerOf(leaf.callFrame.url) ?? leaf.callFrame.functionName ?? '(anonymous)', us);
    for (const owner of owners) add(totals.onStack, owner, us);
    for (const name of matched) add(totals.matches, name, us);
  });
}

function print(title: string, map: Map<string, number>, busyUs: number, top: number): void {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * us) / busyUs).toFixed(1).padStart(6)}% ${(us / 1_000).toFixed(0).padStart(8)} ms  ${key}`);
  }
}

const { values, positionals } = parseArgs({
  options: {
    top: { type: 'string' }, match: { type: 'string', multiple: true }, 'all-threads': { type: 'boolean' },
    windows: { type: 'string' }, scenario: { type: 'string' },
  },
  allowPositionals: true,
  strict: true,
});
if (positionals.length === 0) throw new Error('usage: booking-http-profile.ts <file.cpuprofile>... [--top N] [--match NAME=REGEX]... [--all-threads]');
// `--cpu-prof` names a profile CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the event loop. The
// pool's threads spend their idle time waiting inside piscina, which would read as busy.
const threadOf = (file: string) => /\.(\d+)\.\d+\.cpuprofile$/.exec(file)?.[1];
const files = values['all-threads'] === true ? positionals : positionals.filter((file) => (threadOf(file) ?? '0') === '0');
if (files.length === 0) throw new Error('no main-thread profile (CPU.*.0.*.cpuprofile) given; --all-threads reads the others');
const top = values.top === undefined ? 30 : Number(values.top);
const rules: Array<[string, RegExp]> = (values.match ?? []).map((rule) => {
  const eq = rule.indexOf('=');
  if (eq <= 0) throw new Error(`--match wants NAME=REGEX, got '${rule}'`);
  return [rule.slice(0, eq), new RegExp(rule.slice(eq + 1))];
});
// Only the samples taken while the named scenario ran (in any run), when the bench's windows file is given.
let windows: ProfileWindow[] | undefined;
if (values.windows !== undefined || values.scenario !== undefined) {
  if (values.windows === undefined || values.scenario === undefined) throw new Error('--windows FILE and --scenario NAME go together');
  const all = JSON.parse(readFileSync(values.windows, 'utf8')) as ProfileWindow[];
  windows = all.filter((w) => w.name === values.scenario);
  if (windows.length === 0) throw new Error(`no window named '${values.scenario}' in ${values.windows} (${[...new Set(all.map((w) => w.name))].join(', ')})`);
}
const totals: Totals = { busyUs: 0, breakdown: new Map(), byOwner: new Map(), onStack: new Map(), matches: new Map() };
for (const file of files) addProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, rules, windows, totals);
const scope = windows === undefined ? '' : ` while '${values.scenario}' ran (${windows.length} window(s))`;
console.log(`busy (non-idle) time: ${(totals.busyUs / 1_000).toFixed(0)} ms in ${files.join(', ')}${scope}`);
print('breakdown (exclusive: each sample to one part, see BREAKDOWN):', totals.breakdown, totals.busyUs, BREAKDOWN.length + 1);
print('by owner (innermost frame of ticketd or a package; else the innermost frame):', totals.byOwner, totals.busyUs, top);
print('on the stack (inclusive; shares overlap):', totals.onStack, totals.busyUs, top);
if (rules.length > 0) print('matches (inclusive):', totals.matches, totals.busyUs, rules.length);
