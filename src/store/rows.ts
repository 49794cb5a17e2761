/**
 * Row shapes as SQLite returns them, and their mapping to the domain's shapes. Times are stored as epoch
 * milliseconds and handed out as RFC 3339 (UTC) strings; JSON columns are parsed here and nowhere else.
 */
import type { AppliedRule, Currency, Customer, Machine, RejectReason, Ride, Tap, TapState, Ticket } from '../domain/types.ts';
import type { Role } from '../domain/principal.ts';
import type { DeadLetter, DeadLetterStatus, EventType, Notification } from './store-types.ts';

export interface CustomerRow {
  id: string;
  name: string;
  tier: Customer['tier'];
  balance: number;
  currency: Customer['currency'];
}

export interface RideRow {
  id: string;
  name: string;
  price: number;
  open: 0 | 1;
}

export interface MachineRow {
  id: string;
  public_key: string | null;
}

/** A row of the event log (v3-event-log.ts); the tap columns are null on events that are not a tap's. */
export interface EventRow {
  id: number;
  /** Null only on a user's events, which belong to no customer and which no customer's read ever meets. */
  customer_id: string;
  type: EventType;
  amount: number;
  balance_after: number | null;
  tap_id: string | null;
  machine_id: string | null;
  ride_id: string | null;
  tapped_at: string | null;
  reason: string | null;
  base_price: number | null;
  price: number | null;
  rules: string | null;
  ref: string | null;
  message: string | null;
  at: number;
  /** The customer's previous event. */
  prev_id: number | null;
  /** The event's version in its aggregate. */
  version: number;
  /** A box-office or user event's data as JSON; null on the tap path's events. */
  data: string | null;
  /** Null for the customer aggregate (a customer's own events: see accounts-schema.ts). */
  aggregate_type: string | null;
  aggregate_id: string | null;
  correlation_id: string | null;
  causation_id: string | null;
}

/** A box-office or user event as written, one row at a time. */
export type DataEventRow = Pick<
  EventRow, 'id' | 'type' | 'amount' | 'balance_after' | 'ref' | 'at' | 'prev_id' | 'version' | 'data'
  | 'aggregate_type' | 'aggregate_id' | 'correlation_id' | 'causation_id'
> & { customer_id: string | null };

export interface LegacyPendingRow {
  seq: number;
  tap_id: string;
  customer_id: string;
  ride_id: string;
  machine_id: string;
  tapped_at: string;
  signature: string | null;
}

export interface DeadLetterRow {
  id: number;
  tap_id: string;
  tap: string;
  reason: string;
  error: string | null;
  attempts: number;
  first_at: number;
  last_at: number;
  status: DeadLetterStatus;
}

export interface TokenRow {
  id: string;
  role: Role;
  customer_id: string | null;
  machine_id: string | null;
  created_at: number;
  revoked_at: number | null;
  /** A session's account (accounts-schema.ts); null for API tokens. */
  user_id: string | null;
  /** When a session ends; null for API tokens. */
  expires_at: number | null;
}

/** RFC 3339 in UTC with milliseconds, e.g. `2026-11-22T08:00:00.000Z`. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function customerFromRow(row: CustomerRow): Customer {
  return { id: row.id, name: row.name, tier: row.tier, balance: row.balance, currency: row.currency };
}

export function rideFromRow(row: RideRow): Ride {
  return { id: row.id, name: row.name, price: row.price, open: row.open === 1 };
}

export function machineFromRow(row: MachineRow): Machine {
  return row.public_key === null ? { id: row.id } : { id: row.id, publicKey: row.public_key };
}

export function tapFromLegacyRow(row: LegacyPendingRow): Tap {
  const tap: Tap = {
    tapId: row.tap_id,
    customerId: row.customer_id,
    rideId: row.ride_id,
    machineId: row.machine_id,
    tappedAt: row.tapped_at,
  };
  if (row.signature !== null) tap.signature = row.signature;
  return tap;
}

/** Every customer's money is in euros (the customers table holds no other currency). */
const CURRENCY: Currency = 'EUR';

/** The ticket of a `ticket.issued` event. */
export function ticketFromEvent(row: EventRow): Ticket {
  return {
    ticketId: row.ref as string,
    tapId: row.tap_id as string,
    customerId: row.customer_id,
    rideId: row.ride_id as string,
    basePrice: row.base_price as number,
    price: row.price as number,
    currency: CURRENCY,
    rules: JSON.parse(row.rules as string) as AppliedRule[],
    balanceAfter: row.balance_after as number,
    tappedAt: row.tapped_at as string,
    issuedAt: iso(row.at),
  };
}

/** The SSE notification of an event of a stream type (STREAM_EVENT_TYPES). */
export function notificationFromEvent(row: EventRow): Notification {
  const head = { id: row.id, customerId: row.customer_id, createdAt: iso(row.at) };
  switch (row.type) {
    case 'ticket.issued':
      return { ...head, type: 'ticket.issued', data: ticketFromEvent(row) };
    case 'ticket.rejected': {
      const data = {
        tapId: row.tap_id as string,
        customerId: row.customer_id,
        rideId: row.ride_id as string,
        reason: row.reason as RejectReason,
        message: row.message as string,
        tappedAt: row.tapped_at as string,
      };
      return { ...head, type: 'ticket.rejected', data };
    }
    case 'balance.changed': {
      const cause = { kind: 'top-up' as const, topUpId: row.ref as string };
      const data = { customerId: row.customer_id, balance: row.balance_after as number, currency: CURRENCY, change: row.amount, cause };
      return { ...head, type: 'balance.changed', data };
    }
    case 'tap.failed':
    case 'customer.opened':
      throw new Error(`event ${row.id} of type ${row.type} is not a stream event`);
    default:
      // A box-office event: its data was written as the notification's data (store/bookings.ts).
      return { ...head, type: row.type, data: JSON.parse(row.data ?? 'null') as unknown } as Notification;
  }
}

/** What a tap's latest event says of it; `undefined` for an event that is not a tap's. */
export function tapStateFromEvent(row: EventRow): TapState | undefined {
  const tapId = row.tap_id as string;
  switch (row.type) {
    case 'ticket.issued':
      return { tapId, status: 'issued', ticket: ticketFromEvent(row) };
    case 'ticket.rejected':
      return { tapId, status: 'rejected', reason: row.reason as string };
    case 'tap.failed':
      return { tapId, status: 'failed', reason: row.reason as string };
    default:
      return undefined;
  }
}

export function deadLetterFromRow(row: DeadLetterRow): DeadLetter {
  const letter: DeadLetter = {
    id: row.id,
    tapId: row.tap_id,
    tap: JSON.parse(row.tap) as Tap,
    reason: row.reason,
    attempts: row.attempts,
    firstAt: iso(row.first_at),
    lastAt: iso(row.last_at),
    status: row.status,
  };
  if (row.error !== null) letter.error = row.error;
  return letter;
}
