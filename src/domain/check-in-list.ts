/**
 * What a scanner downloads to admit people offline to one show (`GET /v1/shows/:id/check-in-list`): the show's
 * ticket ids, which of them are voided, which are already checked in, and when the doors open. With the venue's
 * public keys it feeds the same `decideCheckIn` the server runs: a secret that verifies and names a listed ticket
 * is known, a voided one is refused, and the scanner's own stored check-ins do the rest until it syncs.
 */

import type { CheckInTicket } from './check-in.ts';

export interface CheckInList {
  showId: string;
  /** Epoch milliseconds, from the injected clock: a scanner shows how old its list is. */
  generatedAt: number;
  checkInOpensAt: number;
  /** Every ticket of the show, voided ones included, sorted. */
  ticketIds: string[];
  /** The voided subset, sorted. */
  voidedTicketIds: string[];
  /** Tickets with an accepted check-in when the list was made, sorted. */
  checkedInTicketIds: string[];
}

/** More tickets than the caller's bound: a typed refusal, never an unbounded answer. */
export class CheckInListTooLargeError extends RangeError {
  override readonly name = 'CheckInListTooLargeError';
  readonly code = 'ERR_CHECK_IN_LIST_TOO_LARGE';

  constructor(showId: string, ticketsMax: number) {
    super(`show ${showId} has more than ${ticketsMax} tickets`);
  }
}

export interface CheckInListInput {
  showId: string;
  checkInOpensAt: number;
  generatedAt: number;
  /** The show's tickets; one of another show is a bug in the caller's query and throws. */
  tickets: Iterable<CheckInTicket & { checkedIn: boolean }>;
  /** The most tickets listed; more throws {@link CheckInListTooLargeError} (stops reading at `ticketsMax + 1`). */
  ticketsMax: number;
}

/**
 * Builds the offline list of one show.
 *
 * @example
 * buildCheckInList({ showId: 'show-1', checkInOpensAt, generatedAt: clock.now(), ticketsMax: 100_000,
 *   tickets: [{ id: 't-2', showId: 'show-1', voided: true, checkedIn: false }, { id: 't-1', showId: 'show-1', voided: false, checkedIn: true }] });
 * // { showId: 'show-1', …, ticketIds: ['t-1', 't-2'], voidedTicketIds: ['t-2'], checkedInTicketIds: ['t-1'] }
 */
export function buildCheckInList(input: CheckInListInput): CheckInList {
  const { showId, ticketsMax } = input;
  if (!Number.isInteger(ticketsMax) || ticketsMax < 0) throw new RangeError(`ticketsMax: must be a non-negative integer`);
  const ticketIds: string[] = [];
  const voidedTicketIds: string[] = [];
  const checkedInTicketIds: string[] = [];
  for (const ticket of input.tickets) {
    if (ticketIds.length === ticketsMax) throw new CheckInListTooLargeError(showId, ticketsMax);
    if (ticket.showId !== showId) throw new Error(`ticket ${ticket.id} of show ${ticket.showId} listed for show ${showId}`);
    ticketIds.push(ticket.id);
    if (ticket.voided) voidedTicketIds.push(ticket.id);
    if (ticket.checkedIn) checkedInTicketIds.push(ticket.id);
  }
  const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return {
    showId,
    generatedAt: input.generatedAt,
    checkInOpensAt: input.checkInOpensAt,
    ticketIds: ticketIds.sort(byId),
    voidedTicketIds: voidedTicketIds.sort(byId),
    checkedInTicketIds: checkedInTicketIds.sort(byId),
  };
}

/**
 * An offline scanner's lookup over its list, built once per list: `ticket(id)` is the ticket to give
 * `decideCheckIn`, or `undefined` if the list does not have it.
 *
 * @example
 * const index = checkInListIndex(list);
 * index.ticket('t-2'); // { id: 't-2', showId: 'show-1', voided: true }
 */
export function checkInListIndex(list: CheckInList): { ticket(ticketId: string): CheckInTicket | undefined } {
  const known = new Set(list.ticketIds);
  const voided = new Set(list.voidedTicketIds);
  return {
    ticket: (ticketId) =>
      known.has(ticketId) ? { id: ticketId, showId: list.showId, voided: voided.has(ticketId) } : undefined,
  };
}
