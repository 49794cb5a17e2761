import { expect } from 'vitest';
import type { FetchLike } from '../../src/cli/batch-sender.ts';
import type { Tap } from '../../src/domain/types.ts';
import type { VirtualClock } from '../../src/platform/virtual-clock.ts';

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeRequest {
  atMs: number;
  taps: Tap[];
  /** The request's Authorization header, if it had one. */
  authorization?: string;
}

export interface FakeServerOptions {
  /** Virtual milliseconds request `index` (0-based) takes; default 5. */
  latencyMs?: (index: number) => number;
  /** An answer other than the usual 202 for request `index`. */
  answer?: (index: number) => Answer | undefined;
}

/**
 * A fake `POST /v1/taps` in virtual time at http://ticketd.test: journals tap ids like the real one (first time
 * `accepted`, then `duplicate`), answers after `latencyMs`, honours the request's abort signal, and tracks how many
 * requests are in flight at once.
 */
export function fakeServer(clock: VirtualClock, opts: FakeServerOptions = {}) {
  const journal = new Set<string>();
  const requests: FakeRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch: FetchLike = (url, init) => {
    expect(url).toBe('http://ticketd.test/v1/taps');
    expect(init.method).toBe('POST');
    const index = requests.length;
    const taps = JSON.parse(String(init.body)) as Tap[];
    const authorization = (init.headers as Record<string, string> | undefined)?.authorization;
    requests.push({ atMs: clock.now(), taps, ...(authorization !== undefined && { authorization }) });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<Response>((resolve, reject) => {
      const timer = clock.setTimer(() => {
        inFlight--;
        const special = opts.answer?.(index);
        if (special !== undefined) {
          const init = { status: special.status, headers: special.headers ?? {} };
          resolve(new Response(JSON.stringify(special.body ?? {}), init));
          return;
        }
        const answers = taps.map(({ tapId }) => {
          const status = journal.has(tapId) ? 'duplicate' : 'accepted';
          journal.add(tapId);
          return { tapId, status };
        });
        resolve(new Response(JSON.stringify({ taps: answers }), { status: 202 }));
      }, opts.latencyMs?.(index) ?? 5);
      init.signal?.addEventListener('abort', () => {
        clock.clearTimer(timer);
        inFlight--;
        reject(new DOMException('aborted', 'AbortError'));
      });
    });
  };
  return { fetch, requests, journal, maxInFlight: () => maxInFlight };
}
