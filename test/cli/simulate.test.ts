import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FetchLike } from '../../src/cli/http-client.ts';
import { runSimulate } from '../../src/cli/simulate.ts';
import { formatProgress } from '../../src/cli/simulation-report.ts';
import type { SimulationSummary } from '../../src/cli/simulation.ts';
import { verifyTapSignature } from '../../src/domain/signing.ts';
import { seededRandom } from '../../src/platform/random.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { fakeServer } from './fake-ticketd.ts';
import { drive } from './virtual-time.ts';
import { capture } from './capture-io.ts';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
let dir = '';
let credentials = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ticketd-simulate-'));
  credentials = join(dir, 'demo-credentials.json');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(credentials, JSON.stringify({ signingKeys: { 'gate-s1': pem } }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));


async function simulate(argv: string[], options: { tty?: boolean; fetch?: FetchLike } = {}) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 22, 9));
  const server = fakeServer(clock);
  const { io, out } = capture(options.tty);
  const deps = { fetch: options.fetch ?? server.fetch, clock, random: seededRandom(3) };
  const code = await drive(clock, runSimulate(['--url', 'http://ticketd.test', ...argv], io, deps));
  return { code, out, server };
}

describe('ticketd simulate', () => {
  it('prints the summary as JSON with --json, signing with the credentials key', async () => {
    const argv = ['--json', '--rate', '500', '--duration', '2', '--seed', '9', '--credentials', credentials];
    const { code, out, server } = await simulate(argv);
    expect(code).toBe(0);
    const summary = JSON.parse(out.stdout) as SimulationSummary;
    // The default batch of 500 at one batch a second: two requests (the file has no tokens to split them by).
    expect(summary).toMatchObject({ seed: 9, sent: 1_000, requests: 2, targetRatePerS: 500, signedTaps: true });
    expect(summary.issued + summary.rejected + summary.duplicates).toBe(1_000);
    expect(summary.rejected).toBe(summary.mix['unknown-ride'] + summary.mix['unknown-customer'] + summary.mix.stale);
    expect(summary.mix.signed).toBeGreaterThan(50);
    const taps = server.requests.flatMap((r) => r.taps);
    const signed = taps.filter((t) => t.machineId === 'gate-s1' && verifyTapSignature(t, publicKey));
    expect(signed.length).toBeGreaterThanOrEqual(summary.mix.signed);
    expect(out.stderr).not.toContain('no signed taps');
  });

  it('says once that it sends no signed taps when the credentials have no key', async () => {
    const { code, out } = await simulate(['--json', '--duration', '1', '--credentials', join(dir, 'missing.json')]);
    expect(code).toBe(0);
    expect(out.stderr.match(/sending no signed taps/g)).toHaveLength(1);
    expect(out.stderr).toContain('missing.json does not exist');
    expect((JSON.parse(out.stdout) as SimulationSummary).mix.signed).toBe(0);
  });

  it('prints a readable summary and plain progress lines when stderr is not a terminal', async () => {
    const { code, out } = await simulate(['--duration', '3', '--seed', '5', '--credentials', credentials]);
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/^ticketd simulate: 3\.0 s against http:\/\/ticketd\.test, seed 5, tap ids sim-[0-9a-z]{6}-<n>\n/);
    expect(out.stdout).toMatch(/\n {2}sent {14}3000 taps in 6 requests \(target 1000 taps\/s\)\n/);
    expect(out.stdout).toMatch(/\n {2}issued {12}\d+\n {2}rejected {10}\d+: [a-z_]+ \d+, [a-z_]+ \d+, [a-z_]+ \d+\n {2}failed {12}0\n/);
    expect(out.stdout).toMatch(/\n {2}duplicates {8}\d+ \(sent again: answered with their first outcome\)\n {2}conflicts {9}0 /);
    expect(out.stdout).toMatch(/\n {2}latency ms {8}p50 5\.0 {2}p90 5\.0 {2}p99 5\.0 {2}max 5\.0 {2}\(POST → every tap decided\)\n/);
    expect(out.stdout).toMatch(/\n {2}achieved rate {5}1000 taps\/s answered with an outcome\n/);
    const progress = out.stderr.split('\n').filter((l) => l.includes('taps/s'));
    expect(progress).toHaveLength(3);
    expect(progress[0]).toMatch(/^ {3}1\.0 s {2}sent 1000 {2}issued \d+ {2}rejected \d+ {2}duplicates \d+ {2}errors 0 {2}1000 taps\/s$/);
    expect(out.stderr).not.toContain('\r');
  });

  it('rewrites one progress line in place on a terminal', async () => {
    const { out } = await simulate(['--duration', '3', '--credentials', credentials], { tty: true });
    // The count of redraws can shift by one when the harness's virtual time races the real read of the credentials
    // file (it did once in CI); that the progress rewrites one line in place, ending with one newline, cannot.
    const progress = out.stderr.slice(out.stderr.indexOf('\r'));
    expect(progress.match(/\r/g)!.length).toBeGreaterThanOrEqual(1);
    expect(progress.endsWith('\x1b[K\n')).toBe(true);
    expect(progress.slice(0, -1)).not.toContain('\n');
  });

  it('exits 1 when the server is unreachable', async () => {
    const refused: FetchLike = () => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));
    const { code, out } = await simulate(['--credentials', credentials], { fetch: refused });
    expect(code).toBe(1);
    expect(out.stderr).toContain('ticketd simulate: cannot reach http://ticketd.test: ECONNREFUSED');
    expect(out.stdout).toBe('');
  });
});

describe('the progress line', () => {
  it('names failed taps and conflicts only once there are any', () => {
    const p = { elapsedMs: 3_000, sent: 3_000, issued: 2_820, rejected: 120, failed: 0, duplicates: 60, conflicts: 0, errors: 0, ratePerS: 999.6 };
    expect(formatProgress(p)).toBe('   3.0 s  sent 3000  issued 2820  rejected 120  duplicates 60  errors 0  1000 taps/s');
    expect(formatProgress({ ...p, failed: 2, conflicts: 1 })).toBe(
      '   3.0 s  sent 3000  issued 2820  rejected 120  failed 2  conflicts 1  duplicates 60  errors 0  1000 taps/s',
    );
  });
});

describe('ticketd simulate with the tokens of demo-credentials.json', () => {
  function withTokens(machines: Record<string, string>, admin?: string): string {
    const file = join(dir, `tokens-${Object.keys(machines).length}-${admin ?? 'none'}.json`);
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(file, JSON.stringify({ ...(admin && { admin }), machines, customers: {}, signingKeys: { 'gate-s1': pem } }));
    return file;
  }

  it("sends each machine's taps with that machine's token", async () => {
    const machines = { 'gate-1': 'tkd_1', 'gate-2': 'tkd_2', 'gate-3': 'tkd_3', 'gate-4': 'tkd_4', 'gate-s1': 'tkd_s' };
    const { code, out, server } = await simulate(['--json', '--duration', '2', '--credentials', withTokens(machines)]);
    expect(code).toBe(0);
    for (const request of server.requests) {
      expect(request.taps.every((t) => request.authorization === `Bearer ${machines[t.machineId as keyof typeof machines]}`)).toBe(true);
    }
    expect(new Set(server.requests.map((r) => r.authorization)).size).toBe(5);
    expect(out.stderr).not.toContain('no token');
    expect((JSON.parse(out.stdout) as SimulationSummary).requests).toBe(server.requests.length);
  });

  it('sends the taps of machines without a token with the admin token, and says so', async () => {
    const { out, server } = await simulate(['--duration', '2', '--seed', '1', '--machines', '7', '--credentials', withTokens({ 'gate-1': 'tkd_1' }, 'tkd_admin')]);
    expect(out.stderr).toContain('gate-2, gate-3, gate-4, gate-5, gate-6 and 1 more: no token in');
    expect(out.stderr).toContain('their taps go with the admin token');
    expect(new Set(server.requests.map((r) => r.authorization))).toEqual(new Set(['Bearer tkd_1', 'Bearer tkd_admin']));
  });

  it('sends everything with --token instead, one request per batch', async () => {
    const file = withTokens({ 'gate-1': 'tkd_1' }, 'tkd_admin');
    const { out, server } = await simulate(['--json', '--duration', '1', '--token', 'tkd_mine', '--credentials', file]);
    expect(new Set(server.requests.map((r) => r.authorization))).toEqual(new Set(['Bearer tkd_mine']));
    expect((JSON.parse(out.stdout) as SimulationSummary).requests).toBe(2);
  });

  it('says so when the credentials file is missing, and sends without a token', async () => {
    const { out, server } = await simulate(['--duration', '1', '--credentials', join(dir, 'gone.json')]);
    expect(out.stderr).toContain('sending taps without a token');
    expect(server.requests.every((r) => r.authorization === undefined)).toBe(true);
  });
});
