/**
 * The box office's gate: the venue's signing key (made once and kept in the store), the tickets a confirmed booking
 * gets (one per place, each with a secret a QR code carries and a scanner verifies offline), the decision on each
 * scan (domain/check-in.ts) in the group commit, and the list a scanner downloads to work offline.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decideCheckIn, type CheckInAnswer, type CheckInScan } from '../domain/check-in.ts';
import { buildCheckInList, type CheckInList } from '../domain/check-in-list.ts';
import { parseTappedAt } from '../domain/rfc3339.ts';
import type { Show } from '../domain/show.ts';
import { signTicketSecret, verifyTicketSecret, type TicketKeyRing } from '../domain/ticket-secret.ts';
import type { RuntimeContext } from '../platform/context.ts';
import type { RequestTrail, StoredBooking } from '../store/bookings.ts';
import type { TicketStore } from '../store/ticket-store.ts';
import { BoxOfficeError } from './box-office-error.ts';
import type { BookingTicket } from './booking-types.ts';
import type { CommitWrite } from './box-office.ts';
import { committing } from './saga-steps.ts';

/** Tickets one check-in list may carry. */
const CHECK_IN_LIST_MAX = 100_000;
/** The venue's first key id (ticket secrets carry it, so keys can rotate). */
const VENUE_KEY_ID = 1;

/** A scanner's offline list with the venue's public keys (SPKI PEM) to verify secrets. */
export type CheckInListWithKeys = CheckInList & { keys: Array<{ keyId: number; publicKey: string }> };

export interface CheckInDeskOptions {
  store: TicketStore;
  runtime: RuntimeContext;
  commit: CommitWrite;
  /** The show as the box office has it (cached). */
  showOf: (showId: string) => Show | undefined;
}

/**
 * @example
 * const desk = new CheckInDesk({ store, runtime, commit, showOf });
 * desk.loadVenueKeys();
 * await desk.checkIn({ secret, gateId: 'north-1', scannedAt: Date.now(), nonce: 'scan-1' }); // { result: 'ok' }
 */
export class CheckInDesk {
  readonly #o: CheckInDeskOptions;
  #signingKey: KeyObject | undefined;
  #keyRing: TicketKeyRing = new Map();

  constructor(options: CheckInDeskOptions) {
    this.#o = options;
  }

  /** Loads the venue's keys, making the first one when the store has none. */
  loadVenueKeys(): void {
    const { bookings } = this.#o.store;
    if (bookings.venueKeys().length === 0) {
      const { privateKey } = generateKeyPairSync('ed25519');
      bookings.addVenueKey(VENUE_KEY_ID, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), this.#o.runtime.clock.now());
    }
    const ring = new Map<number, KeyObject>();
    for (const { keyId, privateKeyPem } of bookings.venueKeys()) {
      const privateKey = createPrivateKey(privateKeyPem);
      ring.set(keyId, createPublicKey(privateKey));
      if (keyId === VENUE_KEY_ID) this.#signingKey = privateKey;
    }
    this.#keyRing = ring;
  }

  /** The venue's public keys by key id. */
  get keyRing(): TicketKeyRing {
    return this.#keyRing;
  }

  /** One ticket per place of a booking (its seat when seated), each with its signed secret; not yet stored. */
  issueTickets(booking: StoredBooking): Array<Omit<BookingTicket, 'status'>> {
    const key = this.#signingKey;
    if (key === undefined) throw new Error('the venue keys are not loaded (loadVenueKeys)');
    const issuedAtSec = Math.floor(this.#o.runtime.clock.now() / 1_000);
    return booking.items.flatMap((item) =>
      (item.seats ?? new Array<undefined>(item.quantity).fill(undefined)).map((seat) => {
        const id = this.#o.runtime.ids.next('tkt');
        const secret = signTicketSecret({ keyId: VENUE_KEY_ID, ticketId: id, showId: booking.showId, issuedAtSec }, key);
        return { id, bookingId: booking.id, showId: booking.showId, categoryId: item.categoryId, ...(seat !== undefined && { seat }), secret };
      }),
    );
  }

  /**
   * Decides one scan in the group commit: the first `ok` per ticket wins, a nonce uploaded again answers what it
   * answered, a nonce reused for another scan is `nonce_reused`. `showId` is the show the gate admits to; absent,
   * the one the ticket names. `trail`: the scanner's request, the cause of `ticket.checked_in`.
   */
  async checkIn(scan: CheckInScan, showId?: string, trail?: RequestTrail): Promise<CheckInAnswer> {
    const verification = verifyTicketSecret(scan.secret, this.#keyRing);
    const admitting = showId ?? (verification.ok ? verification.fields.showId : '');
    const show = admitting === '' ? undefined : this.#o.showOf(admitting);
    if (showId !== undefined && show === undefined) throw new BoxOfficeError('unknown_show', `no show '${showId}'`);
    const opensAt = show?.doorsOpenAt === undefined ? 0 : parseTappedAt(show.doorsOpenAt);
    const decision = await committing(this.#o.commit, trail)((w) => {
      const ticketRow = verification.ok ? w.ticket(verification.fields.ticketId) : undefined;
      const ticket = ticketRow === undefined ? undefined : { id: ticketRow.id, showId: ticketRow.showId, voided: ticketRow.status === 'voided' };
      const decided = decideCheckIn({
        scan, verification, ticket, showId: admitting, checkInOpensAt: opensAt,
        acceptedCheckIn: ticket === undefined ? undefined : w.acceptedCheckIn(ticket.id),
        sameNonce: w.checkInByNonce(scan.nonce), receivedAt: w.nowMs,
      });
      if (decided.kind !== 'decided') return decided;
      w.insertCheckIn(decided.record);
      if (decided.answer.result === 'ok' && ticketRow !== undefined) {
        const booking = w.booking(ticketRow.bookingId)!;
        w.notify(booking.customerId, booking.id, {
          type: 'ticket.checked_in',
          data: { ticketId: ticketRow.id, bookingId: booking.id, showId: ticketRow.showId, gateId: scan.gateId, scannedAt: new Date(scan.scannedAt).toISOString() },
        });
      }
      return decided;
    });
    if (decision.kind === 'nonce_reused') throw new BoxOfficeError('nonce_reused', `nonce ${scan.nonce} was used for another scan`);
    return decision.answer;
  }

  /** What a scanner downloads to admit to a show offline; undefined for an unknown show. */
  checkInList(showId: string): CheckInListWithKeys | undefined {
    const show = this.#o.showOf(showId);
    if (show === undefined) return undefined;
    const list = buildCheckInList({
      showId, generatedAt: this.#o.runtime.clock.now(), ticketsMax: CHECK_IN_LIST_MAX,
      checkInOpensAt: show.doorsOpenAt === undefined ? 0 : parseTappedAt(show.doorsOpenAt),
      tickets: this.#o.store.bookings.ticketsOfShow(showId).map((t) => ({ id: t.id, showId: t.showId, voided: t.status === 'voided', checkedIn: t.checkedIn })),
    });
    const keys = [...this.#keyRing].map(([keyId, key]) => ({ keyId, publicKey: key.export({ type: 'spki', format: 'pem' }).toString() }));
    return { ...list, keys };
  }
}
