/**
 * Row shapes as SQLite returns them, and their mapping to the domain's shapes. Times are stored as epoch
 * milliseconds and handed out as RFC 3339 (UTC) strings; JSON columns are parsed here and nowhere else.
 */
import type { AppliedRule, Customer, Machine, Ride, Tap, TapStatus, Ticket } from '../domain/types.ts';
import type { Role } from '../domain/principal.ts';
import type { DeadLetter, DeadLetterStatus, JournaledTap, Notification } from './store-types.ts';

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

export interface TapRow {
  seq: number;
  tap_id: string;
  customer_id: string;
  ride_id: string;
  machine_id: string;
  tapped_at: string;
  signature: string | null;
  accepted_at: number;
}

export interface TapStatusRow {
  seq: number;
  status: TapStatus;
  reason: string | null;
}

export interface TicketRow {
  ticket_id: string;
  tap_id: string;
  customer_id: string;
  ride_id: string;
  base_price: number;
  price: number;
  currency: Ticket['currency'];
  rules: string;
  balance_after: number;
  tapped_at: string;
  issued_at: number;
  seq: number;
}

export interface OutboxRow {
  id: number;
  customer_id: string;
  type: Notification['type'];
  data: string;
  created_at: number;
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

export function journaledTapFromRow(row: TapRow): JournaledTap {
  const tap: Tap = {
    tapId: row.tap_id,
    customerId: row.customer_id,
    rideId: row.ride_id,
    machineId: row.machine_id,
    tappedAt: row.tapped_at,
  };
  if (row.signature !== null) tap.signature = row.signature;
  return { seq: row.seq, tap, acceptedAtMs: row.accepted_at };
}

export function ticketFromRow(row: TicketRow): Ticket {
  return {
    ticketId: row.ticket_id,
    tapId: row.tap_id,
    customerId: row.customer_id,
    rideId: row.ride_id,
    basePrice: row.base_price,
    price: row.price,
    currency: row.currency,
    rules: JSON.parse(row.rules) as AppliedRule[],
    balanceAfter: row.balance_after,
    tappedAt: row.tapped_at,
    issuedAt: iso(row.issued_at),
  };
}

export function notificationFromRow(row: OutboxRow): Notification {
  // The outbox only ever holds what commitOutcomes and topUp wrote, typed by `type`.
  return {
    id: row.id,
    customerId: row.customer_id,
    type: row.type,
    data: JSON.parse(row.data) as never,
    createdAt: iso(row.created_at),
  };
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
