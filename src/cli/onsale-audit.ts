/**
 * The audit at the end of `ticketd onsale`, from the server's own state: the show as `GET /v1/shows/:id` answers it
 * and this run's bookings as `GET /v1/bookings/:id` answers each. It holds when, in every category, the places sold
 * are the valid tickets of the run's confirmed bookings (the run's show is assumed to have no other buyers), no
 * more than the capacity are sold, and the capacity is exactly what is available, held and sold.
 */

import type { BookingStatus } from '../box-office/booking-types.ts';
import { isRecord } from './http-client.ts';

/** A category of the show as answered, with the live counts. */
export interface AuditedCategory {
  id: string;
  capacity: number;
  available: number;
  held: number;
  sold: number;
  /** Valid tickets of this run's confirmed bookings in the category. */
  confirmedTickets: number;
}

/** What the audit needs of a booking as answered. */
export interface AuditedBooking {
  id: string;
  status: BookingStatus;
  tickets: ReadonlyArray<{ categoryId: string; status: string }>;
}

export interface AuditResult {
  holds: boolean;
  categories: AuditedCategory[];
  /** Each way the audit failed, in words; empty when it holds. */
  problems: string[];
}

/**
 * Audits `show` (the body of `GET /v1/shows/:id`) against `bookings`; `unread` bookings of the run could not be
 * read, and make the audit fail, since their tickets are unknown.
 *
 * @example
 * const audit = auditOnsale(showBody, bookings, 0);
 * audit.holds; // true
 * audit.categories[0]; // { id: 'floor', capacity: 100, available: 0, held: 0, sold: 100, confirmedTickets: 100 }
 */
export function auditOnsale(show: unknown, bookings: readonly AuditedBooking[], unread: number): AuditResult {
  const problems: string[] = [];
  const categories = readCategories(show);
  if (categories === undefined) {
    return { holds: false, categories: [], problems: ['the show as answered has no readable categories'] };
  }
  if (unread > 0) problems.push(`${unread} booking(s) of this run could not be read`);
  const tickets = new Map<string, number>();
  for (const booking of bookings) {
    if (booking.status !== 'confirmed') continue;
    for (const ticket of booking.tickets) {
      if (ticket.status === 'valid') tickets.set(ticket.categoryId, (tickets.get(ticket.categoryId) ?? 0) + 1);
    }
  }
  const audited = categories.map((c) => ({ ...c, confirmedTickets: tickets.get(c.id) ?? 0 }));
  for (const c of audited) {
    if (c.sold !== c.confirmedTickets) {
      problems.push(`${c.id}: sold ${c.sold} but ${c.confirmedTickets} valid ticket(s) of confirmed bookings`);
    }
    if (c.sold > c.capacity) problems.push(`${c.id}: sold ${c.sold} > capacity ${c.capacity}`);
    if (c.available + c.held + c.sold !== c.capacity) {
      problems.push(`${c.id}: capacity ${c.capacity} != available ${c.available} + held ${c.held} + sold ${c.sold}`);
    }
  }
  for (const categoryId of tickets.keys()) {
    if (!audited.some((c) => c.id === categoryId)) problems.push(`tickets of category '${categoryId}', which the show lacks`);
  }
  return { holds: problems.length === 0, categories: audited, problems };
}

/**
 * The parts of a booking as answered that the audit reads, or `undefined` when the body is no booking.
 *
 * @example
 * readBooking({ id: 'bk-1', status: 'confirmed', tickets: [{ categoryId: 'floor', status: 'valid' }] });
 */
export function readBooking(body: unknown): AuditedBooking | undefined {
  if (!isRecord(body) || typeof body.id !== 'string' || typeof body.status !== 'string') return undefined;
  const tickets = Array.isArray(body.tickets) ? body.tickets : [];
  return {
    id: body.id,
    status: body.status as BookingStatus,
    tickets: tickets.filter(isRecord).map((t) => ({ categoryId: String(t.categoryId), status: String(t.status) })),
  };
}

function readCategories(show: unknown): Omit<AuditedCategory, 'confirmedTickets'>[] | undefined {
  if (!isRecord(show) || !Array.isArray(show.categories)) return undefined;
  const categories: Omit<AuditedCategory, 'confirmedTickets'>[] = [];
  for (const c of show.categories) {
    if (!isRecord(c) || typeof c.id !== 'string') return undefined;
    const { capacity, available, held, sold } = c;
    if (![capacity, available, held, sold].every((n) => typeof n === 'number' && Number.isSafeInteger(n))) return undefined;
    categories.push({ id: c.id, capacity: capacity as number, available: available as number, held: held as number, sold: sold as number });
  }
  return categories;
}
