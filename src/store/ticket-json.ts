/**
 * The JSON of an issued ticket's two notifications, written field by field: the same text as `JSON.stringify` of the
 * same object (test/store/ticket-json.test.ts holds them to it), without walking an object per notification, and
 * with the rules serialised once for both the ticket row and its notification. Amounts are integer cents, checked
 * before they get here, so a number's text is its JSON.
 */
import type { Ticket } from '../domain/types.ts';
import type { BalanceChangedData } from './store-types.ts';

const str = JSON.stringify;

/**
 * `JSON.stringify(ticket)`, given `rulesJson = JSON.stringify(ticket.rules)`.
 *
 * @example ticketJson(ticket, JSON.stringify(ticket.rules)) === JSON.stringify(ticket) // true
 */
export function ticketJson(t: Ticket, rulesJson: string): string {
  return (
    `{"ticketId":${str(t.ticketId)},"tapId":${str(t.tapId)},"customerId":${str(t.customerId)},` +
    `"rideId":${str(t.rideId)},"basePrice":${t.basePrice},"price":${t.price},"currency":${str(t.currency)},` +
    `"rules":${rulesJson},"balanceAfter":${t.balanceAfter},"tappedAt":${str(t.tappedAt)},` +
    `"issuedAt":${str(t.issuedAt)}}`
  );
}

/** A ticket's balance change, as the group commit builds it (keys in this order). */
export type TicketBalanceChange = BalanceChangedData & { cause: { kind: 'ticket' } };

/** `JSON.stringify(change)`. @example ticketBalanceChangeJson(change) === JSON.stringify(change) // true */
export function ticketBalanceChangeJson(c: TicketBalanceChange): string {
  return (
    `{"customerId":${str(c.customerId)},"balance":${c.balance},"currency":${str(c.currency)},"change":${c.change},` +
    `"cause":{"kind":"ticket","tapId":${str(c.cause.tapId)},"ticketId":${str(c.cause.ticketId)}}}`
  );
}
