/**
 * The README's commands, run as written against the real binary: the "Using it" block (the admin's look at a
 * customer, a gate's tap answered with its outcome, a top-up, the customer's event stream from the start, the tap
 * counted in /metrics, then the simulated machines) and the configuration example (a server configured by
 * environment variables alone). Only the address, the data dir and the simulation's length are the test's own (a
 * free port, a temp dir, 1 s instead of 10), and the stream is cut after 3 s.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTimeout } from '../../src/platform/with-timeout.ts';
import { BIN, startBinary, type RunningBinary } from './binary.ts';

const README = path.join(path.dirname(new URL(import.meta.url).pathname), '../../README.md');

/** The first `sh` block of the README after `marker`. */
function readmeBlockAfter(marker: string): string {
  const text = fs.readFileSync(README, 'utf8');
  const start = text.indexOf(marker);
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(start));
  if (start < 0 || block === null) throw new Error(`README has no sh block after "${marker}"`);
  return block[1]!;
}

/** The README's booking walk. */
const readmeBookingScript = () => readmeBlockAfter('a booking from hold to check-in');
/** The README's accounts walk. */
const readmeAccountsScript = () => readmeBlockAfter('a person signs up, logs in');
/** The README's event feed: paged, then followed. */
const readmeFeedScript = () => readmeBlockAfter('page through it and then follow it live');

/** The shell lines of the "Using it" block (after "With `npm start` running"), from `ADMIN=` on. */
function readmeCurlScript(): string {
  const lines = readmeBlockAfter('With `npm start` running').replace(/\\\n\s*/g, '').split('\n');
  return lines.slice(lines.findIndex((l) => l.startsWith('ADMIN='))).join('\n');
}

let ticketd: RunningBinary;
beforeAll(async () => {
  // As `npm start` runs it: the demo with signing up open.
  ticketd = await startBinary({ args: ['--allow-signup'] });
});
afterAll(async () => {
  expect(await ticketd.stop('SIGTERM')).toBe(0);
  fs.rmSync(ticketd.dataDir, { recursive: true, force: true });
});

describe('the README examples', () => {
  it('work as written: a customer, a tap decided at once, and its event on the stream', () => {
    const script = readmeCurlScript()
      .replaceAll('localhost:8080', new URL(ticketd.url).host)
      .replaceAll('./data/', `${ticketd.dataDir}/`)
      .replace('curl -sN ', 'curl -sN --max-time 3 ')
      .replace('npx ticketd simulate', `npx ticketd simulate --url ${ticketd.url} --credentials ${ticketd.dataDir}/demo-credentials.json`)
      .replace('--duration 10', '--duration 1');
    expect(script).toContain('curl -s -XPOST');
    expect(script).toContain('--duration 1');
    const out = execFileSync('bash', ['-c', `${script}\ntrue`], { encoding: 'utf8', timeout: 60_000 });
    expect(out).toContain('"id":"customer-1"');
    expect(out).toMatch(/\{"taps":\[\{"tapId":"t-1","status":"issued","ticketId":"[^"]+","price":\d+,"balanceAfter":\d+\}\]\}/);
    expect(out).toMatch(/"status":"applied","customer":\{"id":"customer-1"/);
    expect(out).toContain('event: ticket.issued');
    expect(out).toContain('event: balance.changed');
    expect(out).toContain('"tapId":"t-1"');
    expect(out).toContain('ticketd_taps_total{outcome="issued",reason="none"} 1');
    // The simulation topped the wallets up first, so its valid taps (90 % of the mix) were issued, not refused for
    // want of funds: most of what it sent.
    const sent = Number(/sent\s+(\d+)/.exec(out)?.[1]);
    const issued = Number(/issued\s+(\d+)/.exec(out)?.[1]);
    expect(sent).toBeGreaterThan(0);
    expect(issued).toBeGreaterThan(sent / 2);
  });

  it('walk a booking from hold to check-in and a refunded cancellation, as the box office section shows', () => {
    const script = readmeBookingScript().replaceAll('localhost:8080', new URL(ticketd.url).host).replaceAll('./data/', `${ticketd.dataDir}/`);
    // Each answer on its own line, to read them apart.
    const out = execFileSync('bash', ['-c', `set -e\ncurl() { command curl "$@"; echo; }\n${script}`], { encoding: 'utf8', timeout: 60_000 });
    const lines = out.split('\n').filter((l) => l.startsWith('{'));
    const [show, booking, first, second, stale, cancelled, customer] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(show).toMatchObject({ id: 'demo-recital', status: 'on_sale' });
    expect(booking).toMatchObject({ customerId: 'customer-1', status: 'confirmed', total: 9_000, version: 2 });
    expect((booking!.tickets as unknown[]).length).toBe(2);
    expect(first).toEqual({ result: 'ok' });
    expect(second).toMatchObject({ result: 'already_checked_in', firstCheckIn: { gateId: 'north-1' } });
    expect(stale).toMatchObject({ error: { code: 'version_mismatch' } });
    expect(cancelled).toMatchObject({ status: 'cancelled', version: 3, payments: [{ status: 'refunded', refunded: 9_000 }] });
    expect((cancelled!.tickets as Array<{ status: string }>).map((t) => t.status)).toEqual(['voided', 'voided']);
    expect(customer).toMatchObject({ id: 'customer-1' });
  });

  it('walk a person from signing up to logging out, as the accounts section shows', () => {
    const script = readmeAccountsScript().replaceAll('localhost:8080', new URL(ticketd.url).host).replaceAll('./data/', `${ticketd.dataDir}/`);
    const out = execFileSync('bash', ['-c', `set -e\ncurl() { command curl "$@"; echo; }\n${script}`], { encoding: 'utf8', timeout: 60_000 });
    const lines = out.split('\n').filter((l) => l.startsWith('{'));
    const [user, topUp, me, bookings, inbox, read, cardAsked, cardDecided, afterLogout] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(user).toMatchObject({ username: 'ada', email: 'ada@example.com', role: 'user', version: 1 });
    const customerId = user!.customerId as string;
    expect(customerId).toMatch(/^cus/);
    expect(topUp).toMatchObject({ status: 'applied', customer: { id: customerId, balance: 2_000 } });
    expect(me).toMatchObject({ role: 'customer', customerId, user: { username: 'ada' }, customer: { id: customerId, balance: 2_000 } });
    expect(bookings).toEqual({ bookings: [], nextCursor: null });
    expect(inbox).toMatchObject({ unreadCount: 1, notifications: [{ type: 'balance.changed', customerId }] });
    expect(read).toMatchObject({ unreadCount: 0 });
    expect(cardAsked).toMatchObject({ topUp: { topUpId: 'ada-card-1', customerId, amount: 1_500, status: 'pending' } });
    // The demo's provider declines one card in twenty, as the README says: either way the top-up is decided.
    expect(cardDecided).toMatchObject({ topUp: { topUpId: 'ada-card-1', status: expect.stringMatching(/^(succeeded|failed)$/) } });
    expect(out).toMatch(/^204$/m);
    expect(afterLogout).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('page through the event feed and follow it, as the event feed section shows', () => {
    const script = readmeFeedScript().replaceAll('localhost:8080', new URL(ticketd.url).host).replaceAll('./data/', `${ticketd.dataDir}/`)
      .replace('curl -sN ', 'curl -sN --max-time 3 ');
    expect(script).toContain('--max-time 3');
    // The stream is cut by --max-time (curl's exit status 28), hence the `true`; in 3 s it replays the whole feed,
    // the first walk's simulated taps included, hence the buffer.
    const out = execFileSync('bash', ['-c', `curl() { command curl "$@"; echo; }\n${script}\ntrue`], {
      encoding: 'utf8', timeout: 60_000, maxBuffer: 512 << 20,
    });
    const [first, filtered] = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { events: Array<Record<string, unknown>>; nextCursor: string });
    expect(first!.events.map((e) => e.eventId)).toEqual(['1', '2', '3']);
    expect(first!.nextCursor).toBe('3');
    expect(first!.events[0]).toMatchObject({ aggregateType: expect.any(String) as unknown, version: 1 });
    // The earlier walks booked: the filtered page holds their bookings' held and confirmed events, and nothing else.
    expect(filtered!.events.length).toBeGreaterThan(0);
    expect(filtered!.events.every((e) => ['booking.held', 'booking.confirmed'].includes(e.type as string) && e.aggregateType === 'booking')).toBe(true);
    expect(out).toMatch(/^id: 4$/m);
  });

  it('configure a server by environment variables alone, as the Configuration section shows', async () => {
    const text = fs.readFileSync(README, 'utf8');
    const line = text.split('\n').find((l) => l.startsWith('TICKETD_PORT='));
    expect(line).toBeDefined();
    const [assignments, command] = line!.split(' npx ticketd ');
    expect(command).toBe('serve --demo');
    const env: Record<string, string> = { ...process.env } as Record<string, string>;
    for (const pair of assignments!.split(' ')) {
      const [name, value] = pair.split('=') as [string, string];
      env[name] = value;
    }
    expect(env.TICKETD_LOG_LEVEL).toBe('warn');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-readme-env-'));
    env.TICKETD_PORT = '0';
    env.TICKETD_DATA_DIR = dataDir;
    const child = spawn(process.execPath, [BIN, ...command!.split(' ')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const listening = new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening on (http:\/\/[^\s]+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
    });
    try {
      const url = await withTimeout(listening, { timeoutMs: 20_000, what: 'the server configured by environment' });
      expect((await fetch(`${url}/health`)).status).toBe(200);
      // TICKETD_DATA_DIR was used (the demo's credentials are there) and TICKETD_LOG_LEVEL=warn wrote no info lines.
      expect(fs.existsSync(path.join(dataDir, 'demo-credentials.json'))).toBe(true);
      expect(stderr).not.toContain('"level":"info"');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
