/** Test helpers for the store: a fresh store in a temp dir, taps and outcomes, a seeded PRNG. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Quote, RejectReason, Tap } from '../../src/domain/types.ts';
import { TicketStore } from '../../src/store/index.ts';
import type { Outcome } from '../../src/store/index.ts';

export const T0 = Date.UTC(2026, 10, 22, 9, 0, 0);

export interface Harness {
  dir: string;
  store: TicketStore;
  reopen(): TicketStore;
  cleanup(): void;
}

/** Counter ids: deterministic, unique within one harness (also across reopen). */
export function counterIds(): { next(prefix: string): string } {
  let n = 0;
  return { next: (prefix) => `${prefix}_${++n}` };
}

export function makeHarness(): Harness {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-store-'));
  const ids = counterIds();
  const harness: Harness = {
    dir,
    store: TicketStore.open({ dataDir: dir, ids }),
    reopen() {
      harness.store.close();
      harness.store = TicketStore.open({ dataDir: dir, ids });
      return harness.store;
    },
    cleanup() {
      harness.store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

export function makeTap(tapId: string, customerId = 'c1', rideId = 'r1'): Tap {
  return { tapId, customerId, rideId, machineId: 'm1', tappedAt: '2026-11-22T10:00:00+02:00' };
}

export function quote(price: number): Quote {
  return { basePrice: price, price, rules: [] };
}

export function ok(tap: Tap, price: number): Outcome {
  return { tap, kind: 'evaluated', evaluation: { tapId: tap.tapId, ok: true, quote: quote(price) } };
}

export function rejected(tap: Tap, reason: RejectReason, message = `rejected: ${reason}`): Outcome {
  return { tap, kind: 'evaluated', evaluation: { tapId: tap.tapId, ok: false, reason, message } };
}

export function failed(tap: Tap, attempts: number, firstAtMs: number): Outcome {
  return { tap, kind: 'failed', reason: 'worker_crash', error: 'worker exited with code 1', attempts, firstAtMs };
}

export { mulberry32 } from '../support/mulberry32.ts';

/** Runs `fn` and, when it throws, says which code it threw; for `expect(codeOf(...)).toBe(...)`. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? `no code: ${String(error)}`;
  }
}
