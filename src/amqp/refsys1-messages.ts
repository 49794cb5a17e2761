/**
 * Reference system 1's messages (../shared/SEEDS.md), read and written exactly as its Python programs do:
 * - a tap (`TicketEvent`): `{"customer_id", "ride_number", "purchase_time"}`, published by its ticket machines to
 *   the direct exchange `ticket_events_exchange` with routing key `ticket_event`;
 * - a ticket (`CustomerEvent`): `{"customer_id", "ride_number", "cost", "purchase_time"}`, to the topic exchange
 *   `customer_events_exchange` with the customer id as routing key; its customer app builds
 *   `CustomerEvent(**json.loads(body))`, so these four keys and no other; `cost` in whole currency units (5, 6.25);
 * - an invalid tap: its TicketEvent JSON to `ticket_events_dead_letter_exchange`, routing key
 *   `ticket_events_dead_letter_routing_key`.
 */
import { createHash } from 'node:crypto';
import { ID_PATTERN } from '../domain/field-checks.ts';
import { parseTappedAt } from '../domain/rfc3339.ts';
import type { Tap } from '../domain/types.ts';

export const REFSYS1 = Object.freeze({
  tapExchange: 'ticket_events_exchange',
  tapRoutingKey: 'ticket_event',
  customerExchange: 'customer_events_exchange',
  deadLetterExchange: 'ticket_events_dead_letter_exchange',
  deadLetterRoutingKey: 'ticket_events_dead_letter_routing_key',
});

/** Largest tap message read; the reference's are under 150 bytes. */
export const TAP_MESSAGE_BYTES_MAX = 4_096;

export type TapMessage = { ok: true; tap: Tap } | { ok: false; reason: string };

const KEYS = ['customer_id', 'ride_number', 'purchase_time'] as const;

/**
 * A reference tap message as a ticketd tap of machine `machineId`. Its tap id is stable across redeliveries and
 * republishing: the message's `message-id` when the publisher set one (as is, when it is a ticketd id; else its
 * digest), else a digest of the body, so the same message is never charged twice. `purchase_time` may be RFC 3339 or
 * Python's `str(datetime)` (`2026-12-06 14:03:07.123456`, naive: read as UTC).
 *
 * @example
 * parseTapMessage(Buffer.from('{"customer_id":"customer-1","ride_number":"ride-a","purchase_time":"2026-12-06T14:03:07Z"}'), undefined, 'refsys1')
 * // { ok: true, tap: { tapId: 'amqp-…', customerId: 'customer-1', rideId: 'ride-a', machineId: 'refsys1', tappedAt: '2026-12-06T14:03:07Z' } }
 */
export function parseTapMessage(body: Buffer, messageId: string | undefined, machineId: string): TapMessage {
  if (body.length > TAP_MESSAGE_BYTES_MAX) return { ok: false, reason: `malformed: over ${TAP_MESSAGE_BYTES_MAX} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed: not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'malformed: not a JSON object' };
  const record = value as Record<string, unknown>;
  const extra = Object.keys(record).filter((key) => !(KEYS as readonly string[]).includes(key));
  if (extra.length > 0) return { ok: false, reason: `malformed: unknown key ${extra[0]}` };
  for (const key of KEYS) {
    if (typeof record[key] !== 'string') return { ok: false, reason: `malformed: ${key} must be a string` };
  }
  const customerId = record.customer_id as string;
  const rideId = record.ride_number as string;
  if (!ID_PATTERN.test(customerId)) return { ok: false, reason: 'malformed: customer_id is not an id' };
  if (!ID_PATTERN.test(rideId)) return { ok: false, reason: 'malformed: ride_number is not an id' };
  const tappedAt = rfc3339Of(record.purchase_time as string);
  if (tappedAt === undefined) return { ok: false, reason: 'malformed: purchase_time is not a time' };
  return { ok: true, tap: { tapId: tapIdOf(body, messageId), customerId, rideId, machineId, tappedAt } };
}

/** `purchase_time` as RFC 3339, or undefined when it is no time. */
function rfc3339Of(time: string): string | undefined {
  if (!Number.isNaN(parseTappedAt(time))) return time;
  // Python's str(datetime): a space for the T, microseconds, and no offset when naive.
  const python = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d{1,6})?([+-]\d{2}:\d{2})?$/.exec(time);
  if (python === null) return undefined;
  const candidate = `${python[1]}T${python[2]}${python[3] ?? ''}${python[4] ?? 'Z'}`;
  return Number.isNaN(parseTappedAt(candidate)) ? undefined : candidate;
}

function tapIdOf(body: Buffer, messageId: string | undefined): string {
  if (messageId !== undefined && messageId !== '') {
    return ID_PATTERN.test(messageId) ? messageId : `amqp-m-${digest(Buffer.from(messageId, 'utf8'))}`;
  }
  return `amqp-b-${digest(body)}`;
}

function digest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64url').slice(0, 43);
}

/**
 * A ticket as reference system 1's CustomerEvent: exactly its four keys, `cost` in whole units.
 *
 * @example
 * customerEventOf({ customerId: 'customer-1', rideId: 'ride-a', price: 625, tappedAt: '2026-12-06T14:03:07Z' })
 * // '{"customer_id":"customer-1","ride_number":"ride-a","cost":6.25,"purchase_time":"2026-12-06T14:03:07Z"}'
 */
export function customerEventOf(ticket: { customerId: string; rideId: string; price: number; tappedAt: string }): string {
  return JSON.stringify({ customer_id: ticket.customerId, ride_number: ticket.rideId, cost: ticket.price / 100, purchase_time: ticket.tappedAt });
}

/** A tap as reference system 1's TicketEvent, for its dead-letter exchange. */
export function ticketEventOf(tap: { customerId: string; rideId: string; tappedAt: string }): string {
  return JSON.stringify({ customer_id: tap.customerId, ride_number: tap.rideId, purchase_time: tap.tappedAt });
}
