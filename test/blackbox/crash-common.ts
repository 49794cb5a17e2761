/**
 * What the crash test (crash.test.ts) and its load process (crash-load.ts) share: the load's configuration, the
 * lines it appends to its record file, and a small seeded PRNG.
 */
import fs from 'node:fs';

/** Handed to crash-load.ts as its one argument, JSON. */
export interface LoadConfig {
  url: string;
  /** The record file: one JSON line per `LoadLine`, appended across rounds. */
  out: string;
  round: number;
  seed: number;
  customers: string[];
  /** Request headers for every call (the bearer token, once the server wants one). */
  headers: Record<string, string>;
  /** Concurrent tap loops (mostly taps, some top-ups); one more loop sends only top-ups. */
  senders: number;
}

/** What a tap is meant to end as; `valid` ends issued, or rejected for insufficient funds. */
export type TapIntent = 'valid' | 'unknown_ride' | 'unknown_machine' | 'invalid_signature' | 'unknown_customer' | 'stale_tap';

export interface LoadTap {
  tapId: string;
  customerId: string;
  rideId: string;
  machineId: string;
  tappedAt: string;
}

export type LoadLine =
  /** Written before the POST: these may or may not have been journaled if no answer comes. */
  | { kind: 'taps-sent'; round: number; taps: Array<{ tap: LoadTap; intent: TapIntent }> }
  /** A 202 for one tap; `resend` says the tap id was acknowledged before (this round or an earlier one). */
  | { kind: 'tap'; round: number; tap: LoadTap; intent: TapIntent; status: string; resend: 'same-round' | 'earlier-round' | null }
  /** Written before the POST of a top-up. */
  | { kind: 'top-up-sent'; round: number; topUpId: string; customerId: string; amount: number }
  /** A 200 for a top-up. */
  | { kind: 'top-up'; round: number; topUpId: string; customerId: string; amount: number; status: string; resend: boolean }
  /** The answer to a request the server must refuse with 400. */
  | { kind: 'malformed'; round: number; status: number };

/** Every complete line of the record file; a line cut off by a kill (only ever the last) is skipped. */
export function readLoadLines(file: string): LoadLine[] {
  if (!fs.existsSync(file)) return [];
  const lines: LoadLine[] = [];
  const text = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < text.length; i++) {
    const line = text[i]!;
    if (line === '') continue;
    try {
      lines.push(JSON.parse(line) as LoadLine);
    } catch (error) {
      if (i < text.length - 1 && text.slice(i + 1).some((l) => l !== '')) throw new Error(`record line ${i + 1} is corrupt: ${String(error)}`);
    }
  }
  return lines;
}

export { mulberry32 as prng } from '../support/mulberry32.ts';

/** A seed for one part of a run, mixed from the run's seed and the part's numbers. */
export function subSeed(seed: number, ...parts: number[]): number {
  let h = seed >>> 0;
  for (const part of parts) h = Math.imul(h ^ (part + 0x9e3779b9), 0x85ebca6b) >>> 0;
  return h;
}

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}
