/**
 * What the crash test (crash.test.ts) and its load process (crash-load.ts) share: the load's configuration, the
 * lines of the record file that both append to, what those lines must say of each tap (`answersOf`), and a small
 * seeded PRNG.
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
export type TapIntent = 'valid' | 'unknown_ride' | 'unknown_machine' | 'invalid_signature' | 'unknown_customer';

export interface LoadTap {
  tapId: string;
  customerId: string;
  rideId: string;
  machineId: string;
  tappedAt: string;
}

/**
 * How a tap of a request relates to what was sent before, and so what its answer must be:
 * - `fresh`: a tap id never sent; decided now (issued, rejected or failed). Sent again by the test after a restart
 *   when it got no answer, it is `duplicate` if it had been committed before the kill, or decided now;
 * - `repeat`: a fresh tap of the same request again, later in it: `duplicate` with the first copy's outcome;
 * - `resend`: an answered tap again, same machine and content: `duplicate` with its outcome;
 * - `foreign`: an answered tap's id (or a fresh one's earlier in the same request) on another machine's tap, or on
 *   other content: `conflict`, saying nothing else and changing nothing.
 */
export type SendKind = 'fresh' | 'repeat' | 'resend' | 'foreign';

/** A tap's outcome as its first decision gave it. */
export type Decided =
  | { status: 'issued'; ticketId: string; price: number; balanceAfter: number }
  | { status: 'rejected' | 'failed'; reason: string };

/** One tap's answer in `POST /v1/taps` (`{ taps: TapAnswer[] }`), as it came over the wire. */
export type TapAnswer = { tapId: string; status: string } & Record<string, unknown>;

export interface SentTap {
  tap: LoadTap;
  intent: TapIntent;
  send: SendKind;
}

/**
 * Who sent a request: the load, or the test itself (sending again, after a restart, what got no answer, as a
 * machine would; and its sentinel top-ups).
 */
export type Sender = 'load' | 'test';

export type LoadLine =
  /** Written before a `POST /v1/taps`: if no answer comes, its fresh taps may or may not have been committed. */
  | { kind: 'taps-sent'; round: number; by: Sender; taps: SentTap[] }
  /** A 200 to a `POST /v1/taps`: every tap of the request with its answer, in request order. */
  | { kind: 'taps-answered'; round: number; by: Sender; taps: Array<SentTap & { answer: TapAnswer }> }
  /** Written before the POST of a top-up. */
  | { kind: 'top-up-sent'; round: number; topUpId: string; customerId: string; amount: number }
  /** A 200 for a top-up; `resend`: the load had an answer for it before. */
  | { kind: 'top-up'; round: number; by: Sender; topUpId: string; customerId: string; amount: number; status: string; resend: boolean }
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
      if (i < text.length - 1 && text.slice(i + 1).some((l) => l !== '')) throw new Error(`record line ${i + 1} is corrupt: ${String(error)}`, { cause: error });
    }
  }
  return lines;
}

/** Appends lines to the record file, synchronously, so that a kill of the writer right after loses none of them. */
export function appendLoadLines(file: string, lines: readonly LoadLine[]): void {
  if (lines.length > 0) fs.appendFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}

/**
 * Cuts away a last line that a killed load left unfinished, so that others can append after it. Nothing is lost:
 * it was being written before its request went out, or as its answer arrived, which then counts as no answer.
 */
export function cutUnfinishedLine(file: string): void {
  if (!fs.existsSync(file)) return;
  const text = fs.readFileSync(file);
  if (text.length > 0 && text[text.length - 1] !== 0x0a) fs.truncateSync(file, text.lastIndexOf(0x0a) + 1);
}

/** What the record says of one tap id: the tap, what it was meant to be, and the outcome it was answered with. */
export interface AnsweredTap {
  tap: LoadTap;
  intent: TapIntent;
  decided: Decided;
  round: number;
  by: Sender;
}

/**
 * Reads every answered request of the record in order and checks each answer against the contract (see
 * `SendKind`): a fresh tap's answer is its outcome, never `duplicate` or `conflict` (unless the test sent it again
 * after a restart: then `duplicate` with the outcome committed before the kill); a repeat and a resend are
 * `duplicate` with exactly the outcome first answered; a foreign tap is a bare `conflict`. Returns each tap id's
 * first answered outcome, and every breach found.
 */
export function answersOf(lines: readonly LoadLine[]): { answered: Map<string, AnsweredTap>; violations: string[] } {
  const answered = new Map<string, AnsweredTap>();
  const violations: string[] = [];
  for (const line of lines) {
    if (line.kind !== 'taps-answered') continue;
    for (const { tap, intent, send, answer } of line.taps) {
      const where = `tap ${tap.tapId} (${send}, ${line.by}, round ${line.round}) answered ${JSON.stringify(answer)}`;
      if (answer.tapId !== tap.tapId) {
        violations.push(`${where}: the answer is for another tap`);
        continue;
      }
      const known = answered.get(tap.tapId);
      if (send === 'foreign') {
        if (known === undefined) violations.push(`${where}: sent as another's copy of a tap nobody answered`);
        if (JSON.stringify(answer) !== JSON.stringify({ tapId: tap.tapId, status: 'conflict' })) violations.push(`${where}: expected a bare conflict`);
        continue;
      }
      if (send === 'fresh') {
        const decided = decidedOf(answer, line.by === 'test');
        if (known !== undefined) violations.push(`${where}: a fresh tap id already answered ${JSON.stringify(known.decided)}`);
        else if (decided === undefined) violations.push(`${where}: not an outcome`);
        else answered.set(tap.tapId, { tap, intent, decided, round: line.round, by: line.by });
        continue;
      }
      const expected = known === undefined ? undefined : { tapId: tap.tapId, status: 'duplicate', ...duplicateOf(known.decided) };
      if (expected === undefined) violations.push(`${where}: sent again before any answer`);
      else if (!sameFields(answer, expected)) violations.push(`${where}: expected ${JSON.stringify(expected)}`);
    }
  }
  return { answered, violations };
}

/** The outcome an answer gives: its own, or (where `duplicateAllowed`) a duplicate's; undefined for anything else. */
function decidedOf(answer: TapAnswer, duplicateAllowed: boolean): Decided | undefined {
  const a = answer as Record<string, unknown>;
  const status = duplicateAllowed && a.status === 'duplicate' ? a.outcome : a.status;
  const keys = Object.keys(a).filter((k) => k !== 'tapId' && k !== 'status' && k !== 'outcome').sort().join(',');
  if (status === 'issued' && keys === 'balanceAfter,price,ticketId' && typeof a.ticketId === 'string' && Number.isInteger(a.price) && Number.isInteger(a.balanceAfter)) {
    return { status, ticketId: a.ticketId, price: a.price as number, balanceAfter: a.balanceAfter as number };
  }
  if ((status === 'rejected' || status === 'failed') && keys === 'reason' && typeof a.reason === 'string') return { status, reason: a.reason };
  return undefined;
}

/** The fields of a `duplicate` answer that carries `decided`. */
function duplicateOf(decided: Decided): Record<string, unknown> {
  const { status, ...rest } = decided;
  return { outcome: status, ...rest };
}

/** Same keys, same values (JSON scalars only), in any order. */
export function sameFields(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a).sort();
  return JSON.stringify(keys) === JSON.stringify(Object.keys(b).sort()) && keys.every((k) => a[k] === b[k]);
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
