/**
 * Check-in rules: a pure decision over what the caller looked up (the verified secret, the ticket, the ticket's
 * accepted check-in, a check-in already stored under the same nonce). The server's check-in actor and an offline
 * scanner run the same function; each stores the record it returns.
 *
 * Rules, in the order they are applied:
 * 1. A nonce already stored answers exactly what it answered the first time and stores nothing (an offline
 *    scanner uploading again counts once); the same nonce with another secret, gate or time is refused.
 * 2. `invalid_signature` (malformed or not signed by a venue key), `wrong_show` (the signed secret names another
 *    show: known without the ticket, so offline and online answers agree), `unknown_ticket`, `voided`,
 *    `not_yet_open`, `already_checked_in`, else `ok`.
 * 3. Upload order decides who is first: the first `ok` stored for a ticket is its check-in, and every later scan
 *    is `already_checked_in` with that check-in's time and gate, even when an offline scanner's earlier `scannedAt`
 *    arrives later. An answer once given never changes (a re-upload replays it), and a gate that let someone in
 *    offline has already acted on its own answer; the late scan is stored with its own `scannedAt`, so the history
 *    still shows who scanned first. (pretix's scanner apps instead upload offline scans with `force`, which stores
 *    each as a check-in whatever came before, since it already happened; here one `ok` per ticket is an invariant.)
 * 4. Opening time is checked at `min(scannedAt, receivedAt)`: a scan cannot have happened after it reached the
 *    server, so a scanner clock running fast cannot open the doors early.
 */

import type { TicketSecretVerification } from './ticket-secret.ts';

export type CheckInResult =
  | 'ok'
  | 'already_checked_in'
  | 'unknown_ticket'
  | 'invalid_signature'
  | 'voided'
  | 'wrong_show'
  | 'not_yet_open';

/** Longest nonce and gate id a check-in may carry; the HTTP schema uses these. */
export const CHECK_IN_NONCE_LENGTH_MAX = 64;
export const CHECK_IN_GATE_ID_LENGTH_MAX = 64;

/** One scan as uploaded. Times are epoch milliseconds. */
export interface CheckInScan {
  secret: string;
  gateId: string;
  scannedAt: number;
  nonce: string;
}

/** What the rules need of a ticket. */
export interface CheckInTicket {
  id: string;
  showId: string;
  voided: boolean;
}

/** Where and when a ticket was first let in. */
export interface FirstCheckIn {
  at: number;
  gateId: string;
}

export interface CheckInAnswer {
  result: CheckInResult;
  /** Only with `already_checked_in`. */
  firstCheckIn?: FirstCheckIn;
}

/** What is stored for every decided scan, whatever its result: the nonce index and the ticket's history. */
export interface CheckInRecord {
  nonce: string;
  /** `undefined` when the secret did not verify. */
  ticketId: string | undefined;
  secret: string;
  gateId: string;
  scannedAt: number;
  receivedAt: number;
  answer: CheckInAnswer;
}

/** Everything the decision looks at, looked up by the caller. */
export interface CheckInView {
  scan: CheckInScan;
  /** `verifyTicketSecret(scan.secret, keys)`. */
  verification: TicketSecretVerification;
  /** The ticket the secret names, `undefined` if there is none (or the secret did not verify). */
  ticket: CheckInTicket | undefined;
  /** The show the scanner is admitting to, and when its doors open. */
  showId: string;
  checkInOpensAt: number;
  /** The ticket's stored `ok` record, if any. */
  acceptedCheckIn: CheckInRecord | undefined;
  /** The record stored under `scan.nonce`, if any. */
  sameNonce: CheckInRecord | undefined;
  /** When the server (or scanner) is deciding, from the injected clock. */
  receivedAt: number;
}

export type CheckInDecision =
  /** A new decision: answer it and store `record`. */
  | { kind: 'decided'; answer: CheckInAnswer; record: CheckInRecord }
  /** The nonce was seen with this very scan: answer what was answered then; store nothing. */
  | { kind: 'replayed'; answer: CheckInAnswer }
  /** The nonce was seen with another scan: a client error (HTTP 409), nothing stored. */
  | { kind: 'nonce_reused'; nonce: string };

function sameScan(record: CheckInRecord, scan: CheckInScan): boolean {
  return record.secret === scan.secret && record.gateId === scan.gateId && record.scannedAt === scan.scannedAt;
}

function ruleResult(view: CheckInView): CheckInAnswer {
  const { verification, ticket, acceptedCheckIn } = view;
  if (!verification.ok) return { result: 'invalid_signature' };
  // Decided from the signed secret alone, so a scanner whose offline list holds only its own show answers the same.
  if (verification.fields.showId !== view.showId) return { result: 'wrong_show' };
  // A secret naming another show than its ticket's cannot be ours: the venue key signs only what the store holds.
  if (ticket === undefined || ticket.showId !== verification.fields.showId) return { result: 'unknown_ticket' };
  if (ticket.voided) return { result: 'voided' };
  if (Math.min(view.scan.scannedAt, view.receivedAt) < view.checkInOpensAt) return { result: 'not_yet_open' };
  if (acceptedCheckIn !== undefined) {
    return { result: 'already_checked_in', firstCheckIn: { at: acceptedCheckIn.scannedAt, gateId: acceptedCheckIn.gateId } };
  }
  return { result: 'ok' };
}

function assertConsistent(view: CheckInView): void {
  const { verification, ticket, acceptedCheckIn, sameNonce } = view;
  if (ticket !== undefined && (!verification.ok || ticket.id !== verification.fields.ticketId)) {
    throw new Error(`ticket ${ticket.id} was looked up for a secret that does not name it`);
  }
  if (acceptedCheckIn !== undefined && (acceptedCheckIn.answer.result !== 'ok' || acceptedCheckIn.ticketId !== ticket?.id)) {
    throw new Error(`acceptedCheckIn ${acceptedCheckIn.nonce} is not an ok check-in of ticket ${String(ticket?.id)}`);
  }
  if (sameNonce !== undefined && sameNonce.nonce !== view.scan.nonce) {
    throw new Error(`sameNonce ${sameNonce.nonce} was looked up for nonce ${view.scan.nonce}`);
  }
}

/**
 * Decides one scan. Pure: the caller stores `record` for a `decided` scan (in the same transaction as its nonce,
 * so a retry after a crash replays rather than decides twice). Throws only for a view that breaks its own
 * invariants (a ticket or record looked up for another secret or nonce, an `acceptedCheckIn` that is not an `ok` of
 * this ticket), which is a bug in the caller.
 *
 * @example
 * const verification = verifyTicketSecret(scan.secret, keys);
 * const decision = decideCheckIn({ scan, verification, ticket, showId: 'show-1', checkInOpensAt,
 *   acceptedCheckIn: undefined, sameNonce: undefined, receivedAt: clock.now() });
 * // { kind: 'decided', answer: { result: 'ok' }, record: { nonce, ticketId: 'ticket-1', … } }
 */
export function decideCheckIn(view: CheckInView): CheckInDecision {
  assertConsistent(view);
  const { scan, sameNonce } = view;
  if (sameNonce !== undefined) {
    return sameScan(sameNonce, scan)
      ? { kind: 'replayed', answer: sameNonce.answer }
      : { kind: 'nonce_reused', nonce: scan.nonce };
  }
  const answer = ruleResult(view);
  const record: CheckInRecord = {
    nonce: scan.nonce,
    ticketId: view.verification.ok ? view.verification.fields.ticketId : undefined,
    secret: scan.secret,
    gateId: scan.gateId,
    scannedAt: scan.scannedAt,
    receivedAt: view.receivedAt,
    answer,
  };
  return { kind: 'decided', answer, record };
}
