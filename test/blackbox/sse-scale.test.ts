/**
 * 10,000 idle subscribers and one that stopped reading, beside one active subscriber, on the real binary: the
 * stalled client is cut off once its bounded buffer fills, without holding up anyone else; the active one gets
 * every notification; the idle ones stay connected; the stalled one resumes with Last-Event-ID and then has
 * every notification exactly once.
 */
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import Database from 'better-sqlite3';
import { api, authHeaders, collectEvents, startBinary, tap, type RunningBinary, type TapResult } from './binary.ts';

const IDLE = 10_000;
/**
 * One event per tap, over 300 bytes each: more than 7 MB for the stalled client, well past what the kernel's socket
 * buffers can take on its behalf (a send buffer grows to 4 MB under Linux's default tcp_wmem), so that what cuts it
 * off is the hub's own bound. (12,000 taps, half the bytes of when each tap also sent a balance.changed, once left
 * the stalled client connected on a loaded machine.)
 */
const STALLED_TAPS = 24_000;
const ACTIVE_TAPS = 480; // 20 a batch beside each 1,000 of the stalled customer's
type TapsAnswer = { taps: TapResult[] };
let ticketd: RunningBinary | undefined;
const sockets: net.Socket[] = [];
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await ticketd?.stop('SIGKILL');
  if (ticketd !== undefined) fs.rmSync(ticketd.dataDir, { recursive: true, force: true });
});

/** A raw SSE request; resolves once the response headers arrived (the stream is registered). */
function rawStream(url: string, customerId: string, options: { paused?: boolean; lastEventId?: number } = {}): Promise<{ socket: net.Socket; received: () => string }> {
  const { hostname, port } = new URL(url);
  const headers = { ...authHeaders(url), ...(options.lastEventId !== undefined && { 'last-event-id': String(options.lastEventId) }) };
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    sockets.push(socket);
    let text = '';
    let resolved = false;
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.once('connect', () => {
      const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.write(`GET /v1/customers/${customerId}/events HTTP/1.1\r\nhost: ${hostname}\r\n${lines}\r\n`);
    });
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (!resolved && text.includes('\r\n\r\n')) {
        resolved = true;
        if (!text.startsWith('HTTP/1.1 200')) return reject(new Error(`stream for ${customerId}: ${text.slice(0, 80)}`));
        if (options.paused === true) socket.pause(); // from here on the client reads nothing
        resolve({ socket, received: () => text });
      }
    });
  });
}

/** Ids of the complete events in a raw SSE text (a frame cut off by a dropped connection does not count). */
function eventIds(text: string): number[] {
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  const frames = body.split('\n\n');
  frames.pop(); // whatever follows the last blank line is incomplete
  return frames.flatMap((frame) => /^id: (\d+)$/m.exec(frame)?.slice(1).map(Number) ?? []);
}

describe('SSE at scale', () => {
  it('10,000 idle subscribers and one stalled client do not hold up delivery to an active one', async () => {
    ticketd = await startBinary({ args: ['--sse-buffer-bytes', '65536', '--workers', '1'] });
    for (const id of ['active', 'stalled']) {
      await api(`${ticketd.url}/v1/customers/${id}`, 'PUT', { name: id, tier: 'standard', balance: 100_000_000 });
    }
    // Idle customers go straight into the database beside the running server (WAL), in one transaction: they
    // only need to exist, and a customer with a zero balance has no opening event in the log to go with it.
    const db = new Database(path.join(ticketd.dataDir, 'ticketd.db'));
    db.pragma('busy_timeout = 5000');
    const insert = db.prepare("INSERT INTO customers (id, name, tier, balance, currency) VALUES (?, ?, 'standard', 0, 'EUR')");
    db.transaction(() => {
      for (let i = 0; i < IDLE; i++) insert.run(`idle-${i}`, `Idle ${i}`);
    })();
    db.close();
    const phase = (name: string, since: number) => console.log(`sse-scale: ${name} ${((performance.now() - since) / 1_000).toFixed(1)} s`);
    const connecting = performance.now();

    const idle: Array<{ socket: net.Socket }> = [];
    for (let i = 0; i < IDLE; i += 500) {
      idle.push(...(await Promise.all(Array.from({ length: Math.min(500, IDLE - i) }, (_, k) => rawStream(ticketd!.url, `idle-${i + k}`)))));
    }
    phase(`${IDLE} idle streams connected in`, connecting);
    let idleClosed = 0;
    for (const { socket } of idle) socket.once('close', () => idleClosed++);
    const stalled = await rawStream(ticketd.url, 'stalled', { paused: true });
    let stalledClosed = false;
    stalled.socket.once('close', () => (stalledClosed = true));
    const active = collectEvents(`${ticketd.url}/v1/customers/active/events`, ACTIVE_TAPS, { timeoutMs: 60_000 });
    await active.connected;

    const started = performance.now();
    for (let batch = 0; batch < STALLED_TAPS / 1_000; batch++) {
      const taps = Array.from({ length: 1_000 }, (_, i) => tap(`st-${batch}-${i}`, 'stalled', 'ride-a'));
      const stalledAnswer = await api<TapsAnswer>(`${ticketd.url}/v1/taps`, 'POST', taps);
      expect([stalledAnswer.status, stalledAnswer.body.taps.filter((t) => t.status === 'issued').length]).toEqual([200, 1_000]);
      const mine = Array.from({ length: 20 }, (_, i) => tap(`ac-${batch}-${i}`, 'active', 'ride-b'));
      const activeAnswer = await api<TapsAnswer>(`${ticketd.url}/v1/taps`, 'POST', mine);
      expect([activeAnswer.status, activeAnswer.body.taps.filter((t) => t.status === 'issued').length]).toEqual([200, 20]);
    }
    const activeEvents = await active.events;
    const seconds = (performance.now() - started) / 1_000;
    console.log(`sse-scale: ${IDLE} idle + 1 stalled: active subscriber got ${activeEvents.length} events; ${STALLED_TAPS} stalled-customer taps plus ${ACTIVE_TAPS} active in ${seconds.toFixed(1)} s`);

    expect(activeEvents.map((e) => e.event)).toEqual(Array.from({ length: ACTIVE_TAPS }, () => 'ticket.issued'));
    expect(activeEvents.map((e) => e.data.tapId)).toEqual(Array.from({ length: ACTIVE_TAPS }, (_, k) => `ac-${Math.floor(k / 20)}-${k % 20}`));
    // The stalled client was cut off by the server (its bounded buffer filled); nobody idle was.
    for (let i = 0; i < 200 && !stalledClosed; i++) await new Promise((r) => setTimeout(r, 50));
    expect(stalledClosed).toBe(true);
    expect(idleClosed).toBe(0);

    // It resumes from the last complete event it has and gets everything else exactly once: one event per tap.
    stalled.socket.resume();
    const before = eventIds(stalled.received());
    const total = STALLED_TAPS;
    const rest = collectEvents(`${ticketd.url}/v1/customers/stalled/events`, total - before.length, { lastEventId: before.at(-1) ?? 0, timeoutMs: 60_000 });
    const resumed = await rest.events;
    expect(resumed.every((e) => e.event === 'ticket.issued')).toBe(true);
    const after = resumed.map((e) => e.id);
    const all = [...before, ...after];
    expect(new Set(all).size).toBe(total);
    expect(all).toEqual([...all].sort((a, b) => a - b));
  }, 240_000);
});
