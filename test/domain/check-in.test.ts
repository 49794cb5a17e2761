/**
 * Check-in rules: every result, the order the rules apply in, nonce idempotence, upload order deciding who is
 * first, and the offline check-in list. A small in-memory store applies decisions as the check-in actor will.
 * Seeded: `SEED=1234 npx vitest run test/domain/check-in.test.ts` replays the property runs.
 */
import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decideCheckIn, type CheckInAnswer, type CheckInDecision, type CheckInRecord, type CheckInScan, type CheckInTicket,
} from '../../src/domain/check-in.ts';
import { CheckInListTooLargeError, buildCheckInList, checkInListIndex } from '../../src/domain/check-in-list.ts';
import { signTicketSecret, verifyTicketSecret } from '../../src/domain/ticket-secret.ts';

const seed = Number(process.env.SEED ?? 20_261_129);
const venue = generateKeyPairSync('ed25519');
const keys = new Map([[1, venue.publicKey]]);
const OPENS_AT = 1_000_000;
const secretOf = (ticketId: string, showId = 'show-1'): string =>
  signTicketSecret({ keyId: 1, ticketId, showId, issuedAtSec: 1 }, venue.privateKey);

/** What the check-in actor will do: look the view up, decide, store the record with its nonce. */
class MemoryCheckIns {
  readonly tickets = new Map<string, CheckInTicket>();
  readonly byNonce = new Map<string, CheckInRecord>();
  readonly accepted = new Map<string, CheckInRecord>();

  constructor(tickets: CheckInTicket[]) {
    for (const t of tickets) this.tickets.set(t.id, { ...t });
  }

  upload(scan: CheckInScan, receivedAt: number, showId = 'show-1'): CheckInDecision {
    const verification = verifyTicketSecret(scan.secret, keys);
    const ticketId = verification.ok ? verification.fields.ticketId : undefined;
    const decision = decideCheckIn({
      scan, verification, showId, checkInOpensAt: OPENS_AT, receivedAt,
      ticket: ticketId === undefined ? undefined : this.tickets.get(ticketId),
      acceptedCheckIn: ticketId === undefined ? undefined : this.accepted.get(ticketId),
      sameNonce: this.byNonce.get(scan.nonce),
    });
    if (decision.kind === 'decided') {
      this.byNonce.set(scan.nonce, decision.record);
      if (decision.answer.result === 'ok') this.accepted.set(decision.record.ticketId as string, decision.record);
    }
    return decision;
  }
}

const tickets: CheckInTicket[] = [
  { id: 'ticket-1', showId: 'show-1', voided: false },
  { id: 'ticket-2', showId: 'show-1', voided: false },
  { id: 'ticket-v', showId: 'show-1', voided: true },
  { id: 'ticket-o', showId: 'show-2', voided: false },
];
const scan = (ticketId: string, nonce: string, scannedAt = OPENS_AT + 10, gateId = 'gate-a'): CheckInScan => ({
  secret: secretOf(ticketId, ticketId === 'ticket-o' ? 'show-2' : 'show-1'), gateId, scannedAt, nonce,
});
const answerOf = (decision: CheckInDecision): CheckInAnswer | string =>
  decision.kind === 'nonce_reused' ? 'nonce_reused' : decision.answer;

describe('check-in decisions', () => {
  it('answers every result', () => {
    const store = new MemoryCheckIns(tickets);
    const later = OPENS_AT + 500;
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const forged = signTicketSecret({ keyId: 1, ticketId: 'ticket-1', showId: 'show-1', issuedAtSec: 1 }, stranger);
    expect(answerOf(store.upload(scan('ticket-1', 'n1'), later))).toEqual({ result: 'ok' });
    expect(answerOf(store.upload(scan('ticket-1', 'n2', OPENS_AT + 20, 'gate-b'), later))).toEqual({
      result: 'already_checked_in', firstCheckIn: { at: OPENS_AT + 10, gateId: 'gate-a' },
    });
    expect(answerOf(store.upload(scan('ticket-9', 'n3'), later))).toEqual({ result: 'unknown_ticket' });
    expect(answerOf(store.upload({ ...scan('ticket-1', 'n4'), secret: forged }, later))).toEqual({ result: 'invalid_signature' });
    expect(answerOf(store.upload({ ...scan('ticket-1', 'n5'), secret: 'garbage' }, later))).toEqual({ result: 'invalid_signature' });
    expect(answerOf(store.upload(scan('ticket-v', 'n6'), later))).toEqual({ result: 'voided' });
    expect(answerOf(store.upload(scan('ticket-o', 'n7'), later))).toEqual({ result: 'wrong_show' });
    expect(answerOf(store.upload(scan('ticket-2', 'n8', OPENS_AT - 1), later))).toEqual({ result: 'not_yet_open' });
    expect(store.byNonce.size).toBe(8);
  });

  it('applies the rules in order: signature, ticket, show, voided, opening, first check-in', () => {
    const store = new MemoryCheckIns([...tickets, { id: 'ticket-vo', showId: 'show-2', voided: true }]);
    // Voided and of another show: wrong_show. Voided before opening: voided. Not open and already in: not_yet_open.
    expect(answerOf(store.upload({ ...scan('ticket-vo', 'a'), secret: secretOf('ticket-vo', 'show-2') }, OPENS_AT))).toEqual({ result: 'wrong_show' });
    expect(answerOf(store.upload(scan('ticket-v', 'b', OPENS_AT - 5), OPENS_AT))).toEqual({ result: 'voided' });
    store.upload(scan('ticket-1', 'c'), OPENS_AT + 10);
    expect(answerOf(store.upload(scan('ticket-1', 'd', OPENS_AT - 5), OPENS_AT + 10))).toEqual({ result: 'not_yet_open' });
    // A secret signed for show-2 is wrong_show at a show-1 gate whatever the ticket; at a show-2 gate, naming a show-1
    // ticket, it is not a ticket we issued.
    const crossed = { ...scan('ticket-2', 'e'), secret: secretOf('ticket-2', 'show-2') };
    expect(answerOf(store.upload(crossed, OPENS_AT))).toEqual({ result: 'wrong_show' });
    expect(answerOf(store.upload({ ...crossed, nonce: 'f' }, OPENS_AT, 'show-2'))).toEqual({ result: 'unknown_ticket' });
  });

  it('answers an offline scanner holding the check-in list as the server answers', () => {
    const store = new MemoryCheckIns(tickets);
    const list = buildCheckInList({
      showId: 'show-1', checkInOpensAt: OPENS_AT, generatedAt: OPENS_AT, ticketsMax: 10,
      tickets: tickets.filter((t) => t.showId === 'show-1').map((t) => ({ ...t, checkedIn: false })),
    });
    const index = checkInListIndex(list);
    for (const [i, id] of ['ticket-1', 'ticket-v', 'ticket-o', 'ticket-9'].entries()) {
      const s = scan(id, `offline-${i}`);
      const verification = verifyTicketSecret(s.secret, keys);
      const offline = decideCheckIn({
        scan: s, verification, showId: list.showId, checkInOpensAt: list.checkInOpensAt, receivedAt: OPENS_AT + 10,
        ticket: verification.ok ? index.ticket(verification.fields.ticketId) : undefined,
        acceptedCheckIn: undefined, sameNonce: undefined,
      });
      expect(answerOf(offline), id).toEqual(answerOf(store.upload(s, OPENS_AT + 10)));
    }
  });

  it('checks the opening at the earlier of scannedAt and receivedAt (a fast scanner clock cannot open early)', () => {
    const store = new MemoryCheckIns(tickets);
    expect(answerOf(store.upload(scan('ticket-1', 'fast', OPENS_AT + 60_000), OPENS_AT - 1))).toEqual({ result: 'not_yet_open' });
    expect(answerOf(store.upload(scan('ticket-1', 'sync', OPENS_AT + 5), OPENS_AT + 3_600_000))).toEqual({ result: 'ok' });
  });

  it('replays the first answer for a nonce uploaded again, even after the state changed, and stores nothing', () => {
    const store = new MemoryCheckIns(tickets);
    const first = store.upload(scan('ticket-1', 'n1'), OPENS_AT + 10);
    store.upload(scan('ticket-1', 'n2', OPENS_AT + 11), OPENS_AT + 11);
    (store.tickets.get('ticket-1') as CheckInTicket).voided = true;
    const again = store.upload(scan('ticket-1', 'n1'), OPENS_AT + 99);
    expect(again).toEqual({ kind: 'replayed', answer: { result: 'ok' } });
    expect(first.kind === 'decided' && first.answer).toEqual(again.kind === 'replayed' && again.answer);
    expect(store.byNonce.size).toBe(2);
  });

  it('refuses a nonce reused with another secret, gate or time', () => {
    const store = new MemoryCheckIns(tickets);
    store.upload(scan('ticket-1', 'n1'), OPENS_AT + 10);
    for (const other of [scan('ticket-2', 'n1'), scan('ticket-1', 'n1', OPENS_AT + 10, 'gate-b'), scan('ticket-1', 'n1', OPENS_AT + 11)]) {
      expect(store.upload(other, OPENS_AT + 20)).toEqual({ kind: 'nonce_reused', nonce: 'n1' });
    }
    expect(store.byNonce.size).toBe(1);
  });

  it('lets upload order decide: an offline scan with an earlier scannedAt that arrives later is already_checked_in', () => {
    const store = new MemoryCheckIns(tickets);
    // Gate b scanned at +50 and was online; gate a scanned at +5 offline and syncs an hour later.
    expect(answerOf(store.upload(scan('ticket-1', 'online', OPENS_AT + 50, 'gate-b'), OPENS_AT + 50))).toEqual({ result: 'ok' });
    const late = store.upload(scan('ticket-1', 'offline', OPENS_AT + 5, 'gate-a'), OPENS_AT + 3_600_000);
    expect(answerOf(late)).toEqual({ result: 'already_checked_in', firstCheckIn: { at: OPENS_AT + 50, gateId: 'gate-b' } });
    // The late scan is kept with its own time, so the history still shows gate a scanned first.
    expect(store.byNonce.get('offline')?.scannedAt).toBe(OPENS_AT + 5);
  });

  it('throws for a view that breaks its invariants (a caller bug)', () => {
    const verification = verifyTicketSecret(secretOf('ticket-1'), keys);
    const base = {
      scan: scan('ticket-1', 'n1'), verification, showId: 'show-1', checkInOpensAt: OPENS_AT, receivedAt: OPENS_AT,
      acceptedCheckIn: undefined, sameNonce: undefined,
    };
    expect(() => decideCheckIn({ ...base, ticket: tickets[1] })).toThrow(/does not name it/);
    const store = new MemoryCheckIns(tickets);
    const refused = store.upload(scan('ticket-v', 'v'), OPENS_AT);
    const record = refused.kind === 'decided' ? refused.record : undefined;
    expect(() => decideCheckIn({ ...base, ticket: tickets[0], acceptedCheckIn: record })).toThrow(/not an ok check-in/);
    expect(() => decideCheckIn({ ...base, ticket: tickets[0], sameNonce: record })).toThrow(/looked up for nonce/);
  });

  it('keeps one ok per ticket and one answer per nonce over random uploads and re-uploads (seeded)', () => {
    const secrets = ['ticket-1', 'ticket-2', 'ticket-v', 'ticket-9'].map((id) => secretOf(id));
    const upload = fc.record({
      ticket: fc.nat({ max: 3 }), nonce: fc.nat({ max: 11 }), gate: fc.constantFrom('gate-a', 'gate-b'),
      scannedAt: fc.integer({ min: OPENS_AT - 20, max: OPENS_AT + 20 }),
    });
    fc.assert(
      fc.property(fc.array(upload, { maxLength: 40 }), (uploads) => {
        const store = new MemoryCheckIns(tickets);
        const firstAnswer = new Map<string, CheckInAnswer>();
        const scans = new Map<string, CheckInScan>();
        let receivedAt = OPENS_AT - 10;
        for (const u of uploads) {
          const nonce = `n${u.nonce}`;
          // A nonce is one scan: the same nonce always carries the same scan, as an offline scanner re-sends it.
          const s = scans.get(nonce) ?? { secret: secrets[u.ticket] as string, gateId: u.gate, scannedAt: u.scannedAt, nonce };
          scans.set(nonce, s);
          const decision = store.upload(s, (receivedAt += 3));
          expect(decision.kind).not.toBe('nonce_reused');
          const answer = answerOf(decision) as CheckInAnswer;
          expect(answer).toEqual(firstAnswer.get(nonce) ?? answer);
          firstAnswer.set(nonce, answer);
          if (answer.result === 'already_checked_in') {
            const ok = [...store.byNonce.values()].filter((r) => r.secret === s.secret && r.answer.result === 'ok');
            expect(ok).toHaveLength(1);
            expect(answer.firstCheckIn).toEqual({ at: ok[0]?.scannedAt, gateId: ok[0]?.gateId });
          }
        }
        const oks = [...store.byNonce.values()].filter((r) => r.answer.result === 'ok').map((r) => r.ticketId);
        expect(new Set(oks).size).toBe(oks.length);
        expect(oks.every((id) => id === 'ticket-1' || id === 'ticket-2')).toBe(true);
      }),
      { seed, numRuns: 200 },
    );
  });
});

describe('check-in list', () => {
  const listed = [
    { id: 'ticket-2', showId: 'show-1', voided: true, checkedIn: false },
    { id: 'ticket-1', showId: 'show-1', voided: false, checkedIn: true },
    { id: 'ticket-3', showId: 'show-1', voided: false, checkedIn: false },
  ];

  it('lists the show tickets, the voided and the checked-in ones, sorted, and indexes them for a scanner', () => {
    const list = buildCheckInList({ showId: 'show-1', checkInOpensAt: OPENS_AT, generatedAt: 5, tickets: listed, ticketsMax: 3 });
    expect(list).toEqual({
      showId: 'show-1', generatedAt: 5, checkInOpensAt: OPENS_AT,
      ticketIds: ['ticket-1', 'ticket-2', 'ticket-3'], voidedTicketIds: ['ticket-2'], checkedInTicketIds: ['ticket-1'],
    });
    const index = checkInListIndex(list);
    expect(index.ticket('ticket-2')).toEqual({ id: 'ticket-2', showId: 'show-1', voided: true });
    expect(index.ticket('ticket-3')).toEqual({ id: 'ticket-3', showId: 'show-1', voided: false });
    expect(index.ticket('ticket-9')).toBeUndefined();
  });

  it('refuses more tickets than its bound with a typed error, and a ticket of another show', () => {
    let error: unknown;
    try {
      buildCheckInList({ showId: 'show-1', checkInOpensAt: OPENS_AT, generatedAt: 5, tickets: listed, ticketsMax: 2 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CheckInListTooLargeError);
    expect((error as CheckInListTooLargeError).code).toBe('ERR_CHECK_IN_LIST_TOO_LARGE');
    const foreign = [{ id: 'ticket-o', showId: 'show-2', voided: false, checkedIn: false }];
    expect(() => buildCheckInList({ showId: 'show-1', checkInOpensAt: 0, generatedAt: 0, tickets: foreign, ticketsMax: 9 })).toThrow(/show-2/);
  });
});
