import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CliIo } from '../../src/cli/cli-io.ts';
import { runSubscribe } from '../../src/cli/subscribe.ts';

const ticket = (id: number) => ({
  ticketId: `ticket-${id}`, tapId: `tap-${id}`, customerId: 'customer-1', rideId: 'ride-b', basePrice: 1_000,
  price: 1_250, currency: 'EUR', balanceAfter: 10_000 - id * 1_250, tappedAt: '2026-11-22T13:00:00+01:00',
  issuedAt: '2026-11-22T12:00:00.010Z',
  rules: [{ rule: 'afternoon-peak', kind: 'peak', factorBp: 12_500, before: 1_000, after: 1_250 }],
});

function sseEvent(id: number): string {
  return `id: ${id}\nevent: ticket.issued\ndata: ${JSON.stringify(ticket(id))}\n\n`;
}

/** What `ticketd subscribe` prints for sseEvent(id). */
function line(id: number): string {
  const balance = 10_000 - id * 1_250;
  const money = `${Math.floor(balance / 100)}.${String(balance % 100).padStart(2, '0')}`;
  return `#${id} ticket.issued  ride-b  10.00 EUR (afternoon-peak ×1.25 → 12.50)  balance ${money} EUR`;
}

interface Harness {
  url: string;
  lastEventIds: Array<string | undefined>;
}

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

type Handler = (req: IncomingMessage, res: ServerResponse, connection: number) => void;

async function serve(handler: Handler): Promise<Harness> {
  const lastEventIds: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    lastEventIds.push(req.headers['last-event-id'] as string | undefined);
    handler(req, res, lastEventIds.length);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lastEventIds };
}

/** Captures output; the signal aborts once `linesWanted` lines are out, or after a generous bound. */
function captureIo(linesWanted: number) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const controller = new AbortController();
  const guard = setTimeout(() => controller.abort(), 20_000);
  const io: CliIo = {
    stdout(text) {
      stdout.push(...text.split('\n').filter((l) => l !== ''));
      if (stdout.length >= linesWanted) controller.abort();
    },
    stderr: (text) => stderr.push(text),
    stderrIsTty: false,
    interruptSignal: () => controller.signal,
  };
  return { io, stdout, stderr, done: () => clearTimeout(guard) };
}

function streamHead(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}

describe('ticketd subscribe against a real SSE server', () => {
  it('reconnects with the last delivered event id after a drop and prints each event once', async () => {
    const server = await serve((req, res, connection) => {
      expect(req.url).toBe('/v1/customers/customer-1/events');
      streamHead(res);
      if (connection === 1) {
        // retry: 10 keeps the test's reconnect wait short; the drop lands in the middle of event 4.
        res.write(`retry: 10\n: heartbeat\n\n${sseEvent(1)}${sseEvent(2)}`);
        res.write(`${sseEvent(3)}id: 4\nevent: ticket.issued\ndata: {"ticketId":`, () => res.destroy());
      } else {
        // The server replays from an overlapping point: event 3 must not print twice.
        res.write(`: heartbeat\n\n${sseEvent(3)}${sseEvent(4)}`);
        res.write(sseEvent(5));
      }
    });
    const out = captureIo(5);
    const code = await runSubscribe(['customer-1', '--url', server.url], out.io);
    out.done();
    expect(code).toBe(0);
    expect(out.stdout).toEqual([1, 2, 3, 4, 5].map(line));
    expect(server.lastEventIds).toEqual([undefined, '3']);
    const notices = out.stderr.join('');
    expect(notices).toMatch(/connection lost: .*reconnecting in 10 ms \(attempt 1 of 100\)/);
    expect(notices).toContain('resuming after event 3');
  });

  it('sends --last-event-id on the first connection and prints JSON lines with --json', async () => {
    const server = await serve((_req, res) => {
      streamHead(res);
      res.write(`${sseEvent(8)}id: 9\nevent: balance.changed\ndata: {"balance":10,\ndata: "change":-5}\n\n`);
    });
    const out = captureIo(2);
    const code = await runSubscribe(['customer-1', '--url', server.url, '--last-event-id', '7', '--json'], out.io);
    out.done();
    expect(code).toBe(0);
    expect(server.lastEventIds).toEqual(['7']);
    expect(out.stdout.map((l) => JSON.parse(l) as unknown)).toEqual([
      { id: '8', event: 'ticket.issued', data: ticket(8) },
      { id: '9', event: 'balance.changed', data: { balance: 10, change: -5 } },
    ]);
  });

  it('exits 1 without retrying when the server refuses the customer', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unknown_customer', message: "customer 'nobody' is not known" } }));
    });
    const out = captureIo(1);
    const code = await runSubscribe(['nobody', '--url', server.url], out.io);
    out.done();
    expect(code).toBe(1);
    expect(server.lastEventIds).toHaveLength(1);
    expect(out.stderr.join('')).toContain("404 unknown_customer: customer 'nobody' is not known");
  });

  it('gives up with exit 1 after --max-reconnects failures in a row', async () => {
    const server = await serve((_req, res) => {
      streamHead(res);
      res.end('retry: 10\n\n');
    });
    const out = captureIo(1);
    const code = await runSubscribe(['customer-1', '--url', server.url, '--max-reconnects', '2'], out.io);
    out.done();
    expect(code).toBe(1);
    expect(server.lastEventIds).toHaveLength(3);
    expect(out.stderr.join('')).toContain('giving up after 2 reconnect attempts in a row');
  });

  it('answers usage errors with exit 2', async () => {
    const bad = [[], ['a', 'b'], ['bad id'], ['c1', '--last-event-id', 'x'], ['c1', '--max-reconnects', '-1'], ['c1', '--x']];
    for (const argv of bad) {
      const out = captureIo(1);
      expect(await runSubscribe(argv, out.io), argv.join(' ')).toBe(2);
      out.done();
      expect(out.stderr.join('')).toMatch(/^ticketd subscribe: [^\n]+\nSee 'ticketd subscribe --help'\.\n$/);
    }
  });
});

describe('ticketd subscribe and tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ticketd-subscribe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function authorizationSeen(argv: string[]): Promise<{ seen: string | undefined; stderr: string }> {
    let seen: string | undefined;
    const server = await serve((req, res) => {
      seen = req.headers.authorization;
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'a valid bearer token is required' } }));
    });
    const out = captureIo(1);
    const code = await runSubscribe(['customer-1', '--url', server.url, ...argv], out.io);
    out.done();
    expect(code).toBe(1);
    return { seen, stderr: out.stderr.join('') };
  }

  it("sends the customer's own token from the credentials file, else its admin token", async () => {
    const file = join(dir, 'demo-credentials.json');
    writeFileSync(file, JSON.stringify({ admin: 'tkd_admin', customers: { 'customer-1': 'tkd_c1' } }));
    expect((await authorizationSeen(['--credentials', file])).seen).toBe('Bearer tkd_c1');
    writeFileSync(file, JSON.stringify({ admin: 'tkd_admin', customers: {} }));
    expect((await authorizationSeen(['--credentials', file])).seen).toBe('Bearer tkd_admin');
  });

  it('sends --token instead, and reports a refusal as the server put it', async () => {
    const { seen, stderr } = await authorizationSeen(['--token', 'tkd_given', '--credentials', join(dir, 'none.json')]);
    expect(seen).toBe('Bearer tkd_given');
    expect(stderr).toContain('the server refused: 401 unauthorized');
  });

  it('connects without a token when it has none, and says why', async () => {
    const { seen, stderr } = await authorizationSeen(['--credentials', join(dir, 'none.json')]);
    expect(seen).toBeUndefined();
    expect(stderr).toContain('connecting without a token (pass --token)');
  });
});
