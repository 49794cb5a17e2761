/**
 * A graceful stop of the real binary under load: SIGTERM stops taking taps (503 `not_ready`), lets the requests in
 * flight be decided and answered, ends SSE streams with a retry hint, and exits 0. A request that got no answer at
 * all (its connection closed or refused while stopping) was either committed or not; sent again after a restart it
 * is a duplicate with its outcome, or decided then: charged once either way.
 */
import fs from 'node:fs';
import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { api, authHeaders, startBinary, tap, type RunningBinary, type TapResult } from './binary.ts';

const SENDERS = 4;
const BATCH = 50;
const BATCHES_MAX = 400;
const ANSWERED_BEFORE_SIGTERM = 500;
const GET_CHUNK = 32;
const CUSTOMERS = Array.from({ length: 6 }, (_, i) => `customer-${1 + i}`);
/** The demo balance plus a top-up, so that most taps are issued (and charged). */
const OPENING_BALANCE = 10_000 + 1_000_000;

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

type Tap = ReturnType<typeof tap>;

/**
 * What the load sent (each tap's customer) and was told: each answered tap's answer; the taps of requests refused
 * (with the status and code) or never answered.
 */
interface LoadRecord {
  customerOf: Map<string, string>;
  answers: Map<string, TapResult>;
  refused: Array<{ taps: Tap[]; code: string }>;
  unanswered: Tap[];
  batches: number;
}

/** `SENDERS` loops POSTing batches of fresh taps until `stop()` or the server goes (bounded by `BATCHES_MAX`). */
function startLoad(url: string): { record: LoadRecord; stop: () => void; done: Promise<void> } {
  const record: LoadRecord = { customerOf: new Map(), answers: new Map(), refused: [], unanswered: [], batches: 0 };
  let stopped = false;
  const loop = async (): Promise<void> => {
    while (!stopped && record.batches < BATCHES_MAX) {
      const n = record.batches++;
      const taps = Array.from({ length: BATCH }, (_, i) => tap(`sd-${n}-${i}`, CUSTOMERS[i % CUSTOMERS.length]!, 'ride-a'));
      for (const t of taps) record.customerOf.set(t.tapId, t.customerId);
      let answer: { status: number; body: { taps?: TapResult[]; error?: { code: string } } };
      try {
        answer = await api(`${url}/v1/taps`, 'POST', taps);
      } catch {
        record.unanswered.push(...taps);
        return; // the server closed its socket: this loop is over
      }
      if (answer.status !== 200) {
        record.refused.push({ taps, code: `${answer.status} ${answer.body.error?.code ?? ''}` });
        if (answer.status === 503) return;
        continue;
      }
      answer.body.taps!.forEach((result, i) => record.answers.set(taps[i]!.tapId, result));
    }
  };
  const done = Promise.all(Array.from({ length: SENDERS }, loop)).then(() => undefined);
  return { record, stop: () => (stopped = true), done };
}

describe('graceful shutdown of the real binary', () => {
  it('SIGTERM under load: drains and exits 0; answered taps keep their outcomes, refused ones (503) were never decided, unanswered ones are decided once when sent again', async () => {
    ticketd = await startBinary();
    for (const customerId of CUSTOMERS) {
      const topUp = await api(`${ticketd.url}/v1/customers/${customerId}/top-ups`, 'POST', { topUpId: `sd-${customerId}`, amount: 1_000_000 });
      expect(topUp.status).toBe(201);
    }
    const stream = readStreamToEnd(`${ticketd.url}/v1/customers/customer-1/events`, 15_000);
    await stream.connected;
    const load = startLoad(ticketd.url);
    while (load.record.answers.size < ANSWERED_BEFORE_SIGTERM && load.record.batches < BATCHES_MAX) await new Promise((r) => setImmediate(r));
    const exitCode = ticketd.stop('SIGTERM');
    expect(await exitCode).toBe(0);
    load.stop();
    await load.done;
    const { answers, refused, unanswered } = load.record;
    const answeredBeforeExit = answers.size;
    expect(await stream.text).toMatch(/retry: 2000\n\n$/);
    expect(ticketd.stderr()).toContain('"msg":"stopped"');
    expect(ticketd.stderr()).not.toContain('stopping with taps in flight'); // drained before exiting
    expect(answers.size).toBeGreaterThanOrEqual(ANSWERED_BEFORE_SIGTERM);
    for (const { code } of refused) expect(code).toBe('503 not_ready');
    for (const answer of answers.values()) expect(['issued', 'rejected']).toContain(answer.status);

    // After a restart every answered tap has the outcome it was answered with; a refused one was never decided.
    ticketd = await startBinary({ dataDir: ticketd.dataDir });
    const url = ticketd.url;
    type State = { status: string; reason?: string; ticket?: { ticketId: string; price: number; balanceAfter: number } };
    const answered = [...answers];
    for (let i = 0; i < answered.length; i += GET_CHUNK) {
      const chunk = answered.slice(i, i + GET_CHUNK);
      const states = await Promise.all(chunk.map(([tapId]) => api<State>(`${url}/v1/taps/${tapId}`, 'GET')));
      chunk.forEach(([tapId, answer], k) => {
        if (answer.status === 'issued') {
          const { ticketId, price, balanceAfter } = answer;
          expect(states[k]!.body, tapId).toMatchObject({ status: 'issued', ticket: { ticketId, price, balanceAfter } });
        } else expect(states[k]!.body, tapId).toEqual({ tapId, status: answer.status, reason: (answer as { reason: string }).reason });
      });
    }
    const refusedTaps = refused.flatMap(({ taps }) => taps);
    const refusedStates = await Promise.all(refusedTaps.map((t) => api(`${url}/v1/taps/${t.tapId}`, 'GET')));
    expect(refusedStates.map((s) => s.status)).toEqual(refusedTaps.map(() => 404));

    // What got no answer is sent again, as a machine would: committed before the stop (duplicate) or decided now.
    const resent = unanswered.length > 0 ? (await api<{ taps: TapResult[] }>(`${url}/v1/taps`, 'POST', unanswered)).body.taps : [];
    resent.forEach((result, i) => {
      expect(result.tapId).toBe(unanswered[i]!.tapId);
      expect(['issued', 'rejected', 'duplicate']).toContain(result.status);
      answers.set(result.tapId, result);
    });

    // Charged once: each balance is the opening one minus the prices of the issued answers.
    const charged = new Map<string, number>();
    for (const [tapId, answer] of answers) {
      const issued = answer.status === 'issued' || (answer.status === 'duplicate' && answer.outcome === 'issued');
      const customerId = load.record.customerOf.get(tapId)!;
      if (issued) charged.set(customerId, (charged.get(customerId) ?? 0) + (answer as { price: number }).price);
    }
    for (const customerId of CUSTOMERS) {
      const balance = (await api<{ balance: number }>(`${url}/v1/customers/${customerId}`, 'GET')).body.balance;
      expect(balance, customerId).toBe(OPENING_BALANCE - (charged.get(customerId) ?? 0));
    }
    console.log(`shutdown: ${answeredBeforeExit} taps answered, ${refused.length} requests refused while stopping, ${unanswered.length} taps unanswered and sent again`);
  });
});
