/**
 * Overload: floods a real ticketd (`serve --demo`, nothing else: the admin token it floods with is not rate limited
 * by default) with more taps than it can take for `--seconds` (default 60) from this separate process and samples,
 * once a second, the server's RSS (from /proc) and how long /health and /ready take to answer. Taps are decided when
 * their 200 comes; a 429 is the server's in-flight bound refusing a batch whole. Prints a table and writes
 * bench/e2e/overload.json.
 *
 *   npm run build && node --import tsx bench/e2e/overload.ts [--seconds 60] [--concurrency 32] [--batch 1000] [--out FILE]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, concurrency: { type: 'string' }, batch: { type: 'string' }, out: { type: 'string' } } });
const seconds = Number(values.seconds ?? 60);
const concurrency = Number(values.concurrency ?? 32);
const batch = Number(values.batch ?? 1000);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-overload-'));
const server = spawn(process.execPath, ['bin/ticketd.js', 'serve', '--demo', '--port', '0', '--data-dir', dataDir], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    const m = /listening on (\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
  server.once('exit', (code) => reject(new Error(`ticketd exited ${code}`)));
});
const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as { admin?: string };
const headers: Record<string, string> = { 'content-type': 'application/json', ...(credentials.admin !== undefined && { authorization: `Bearer ${credentials.admin}` }) };

// Rich customers, so taps keep being issued rather than rejected for funds.
for (let c = 1; c <= 200; c++) {
  await fetch(`${url}/v1/customers/load-${c}`, { method: 'PUT', headers, body: JSON.stringify({ name: `Load ${c}`, tier: 'standard', balance: 100_000_000 }) });
}

const counts = { decided: 0, overloaded: 0, otherStatus: 0, errors: 0 };
let running = true;
let seq = 0;
async function flood(): Promise<void> {
  while (running) {
    const taps = Array.from({ length: batch }, () => {
      const n = seq++;
      return { tapId: `ov-${n}`, customerId: `load-${1 + (n % 200)}`, rideId: 'ride-a', machineId: 'gate-1', tappedAt: new Date().toISOString() };
    });
    try {
      const response = await fetch(`${url}/v1/taps`, { method: 'POST', headers, body: JSON.stringify(taps) });
      await response.arrayBuffer();
      if (response.status === 200) counts.decided += batch;
      else if (response.status === 429) counts.overloaded++;
      else counts.otherStatus++;
    } catch {
      counts.errors++;
    }
  }
}

async function timed(route: string): Promise<number> {
  const start = performance.now();
  await (await fetch(`${url}${route}`)).arrayBuffer();
  return performance.now() - start;
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

const samples: Array<{ second: number; rssMb: number; healthMs: number; readyMs: number; decided: number; overloaded: number }> = [];
const floods = Array.from({ length: concurrency }, () => flood());
for (let second = 1; second <= seconds; second++) {
  await new Promise((r) => setTimeout(r, 1_000));
  const sample = { second, rssMb: rssMb(server.pid!), healthMs: await timed('/health'), readyMs: await timed('/ready'), decided: counts.decided, overloaded: counts.overloaded };
  samples.push(sample);
  process.stderr.write(`${String(second).padStart(3)} s  rss ${sample.rssMb.toFixed(0)} MB  /health ${sample.healthMs.toFixed(1)} ms  /ready ${sample.readyMs.toFixed(1)} ms  decided ${counts.decided}  429s ${counts.overloaded}\n`);
}
running = false;
await Promise.all(floods);
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = {
  seconds,
  concurrency,
  batch,
  decidedTaps: counts.decided,
  overloadedRequests: counts.overloaded,
  otherStatus: counts.otherStatus,
  errors: counts.errors,
  rssMbMax: Math.max(...samples.map((s) => s.rssMb)),
  rssMbMedian: median(samples.map((s) => s.rssMb)),
  rssMbFirst: samples[0]!.rssMb,
  rssMbLast: samples.at(-1)!.rssMb,
  healthMsMedian: median(samples.map((s) => s.healthMs)),
  healthMsMax: Math.max(...samples.map((s) => s.healthMs)),
  readyMsMedian: median(samples.map((s) => s.readyMs)),
  samples,
};
fs.writeFileSync(values.out ?? 'bench/e2e/overload.json', `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify({ ...summary, samples: undefined }, null, 2));
fs.rmSync(dataDir, { recursive: true, force: true });
