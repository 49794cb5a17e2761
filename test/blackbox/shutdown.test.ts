import fs from 'node:fs';
import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { api, authHeaders, startBinary, tap, type RunningBinary } from './binary.ts';

let ticketd: RunningBinary | undefined;
afterAll(async () => {
  await ticketd?.stop('SIGKILL');
  if (ticketd !== undefined) fs.rmSync(ticketd.dataDir, { recursive: true, force: true });
});

/** Reads a whole SSE response as text until the server ends it (bounded by `timeoutMs`). */
function readStreamToEnd(url: string, timeoutMs: number): { connected: Promise<void>; text: Promise<string> } {
  let connected!: () => void;
  const connectedPromise = new Promise<void>((resolve) => (connected = resolve));
  const text = new Promise<string>((resolve, reject) => {
    const request = http.get(url, { headers: authHeaders(url) }, (response) => {
      connected();
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve(body);
      });
    });
    request.on('error', reject);
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`the stream did not end within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  return { connected: connectedPromise, text };
}

describe('graceful shutdown of the real binary', () => {
  it('SIGTERM under load: SSE clients are told when to retry, the process exits 0, every acknowledged tap is decided', async () => {
    ticketd = await startBinary();
    const stream = readStreamToEnd(`${ticketd.url}/v1/customers/customer-1/events`, 15_000);
    await stream.connected;
    const acked: string[] = [];
    let stop = false;
    let batch = 0;
    const load = (async () => {
      while (!stop && batch < 200) {
        const taps = Array.from({ length: 50 }, (_, i) => tap(`sd-${batch}-${i}`, `customer-${1 + (i % 6)}`, 'ride-a'));
        batch++;
        try {
          const answer = await api<{ taps?: Array<{ tapId: string; status: string }> }>(`${ticketd!.url}/v1/taps`, 'POST', taps);
          if (answer.status === 202) acked.push(...answer.body.taps!.map((t) => t.tapId));
        } catch {
          return; // the server closed its socket: the load is over
        }
      }
    })();
    while (acked.length < 500 && batch < 200) await new Promise((r) => setImmediate(r));
    const exitCode = ticketd.stop('SIGTERM');
    stop = true;
    expect(await exitCode).toBe(0);
    await load;
    expect(await stream.text).toMatch(/retry: 2000\n\n$/);
    expect(ticketd.stderr()).toContain('"message":"stopped"');
    expect(ticketd.stderr()).not.toContain('stopping with taps in flight'); // drained before exiting

    ticketd = await startBinary({ dataDir: ticketd.dataDir });
    const states = await Promise.all(acked.map((id) => api<{ status: string }>(`${ticketd!.url}/v1/taps/${id}`, 'GET')));
    expect(acked.length).toBeGreaterThanOrEqual(500);
    expect(states.filter((s) => s.body.status === 'pending')).toEqual([]);
    expect(new Set(states.map((s) => s.body.status))).toEqual(new Set(['issued', 'rejected']));
  });
});
