/**
 * One human line per customer notification, for `ticketd subscribe`. The event's `data` is the JSON of a
 * notification payload (a Ticket, a rejection, a top-up's balance change), or of the whole notification
 * (`{ id, type, data, … }`), which is unwrapped. A ticket's line shows the balance after it (`balanceAfter`): an
 * issued tap is one event, with no `balance.changed` of its own. Anything unexpected is shown raw, not dropped.
 */

import type { SseEvent } from './sse-parser.ts';

type Json = Record<string, unknown>;

/**
 * @example
 * formatNotification({ type: 'ticket.issued', id: '42', lastEventId: '42', data: JSON.stringify(ticket) });
 * // '#42 ticket.issued  ride-b  10.00 EUR (afternoon-peak ×1.25 → 12.50)  balance 87.50 EUR'
 * const topUp = { change: 2_000, balance: 10_750, currency: 'EUR', cause: { kind: 'top-up' } };
 * formatNotification({ type: 'balance.changed', id: '43', lastEventId: '43', data: JSON.stringify(topUp) });
 * // '#43 balance.changed  +20.00 → 107.50 EUR (top-up)'
 */
export function formatNotification(event: SseEvent): string {
  const prefix = event.lastEventId === '' ? '' : `#${event.lastEventId} `;
  const data = payloadOf(event.data);
  const body = data === undefined ? undefined : describe(event.type, data);
  return `${prefix}${event.type}  ${body ?? event.data.replace(/\n/g, ' ')}`;
}

function describe(type: string, d: Json): string | undefined {
  switch (type) {
    case 'ticket.issued': {
      const { rideId, basePrice, price, currency, balanceAfter, rules } = d;
      if (typeof rideId !== 'string' || !isCents(basePrice) || !isCents(price) || !isCents(balanceAfter)) {
        return undefined;
      }
      const cur = typeof currency === 'string' ? currency : 'EUR';
      const applied = Array.isArray(rules) ? rules.map(ruleText).filter((r) => r !== undefined) : [];
      let pricing = applied.length > 0 ? ` (${applied.join(', ')})` : '';
      if (applied.length === 0 && basePrice !== price) pricing = ` → ${money(price)}`;
      return `${rideId}  ${money(basePrice)} ${cur}${pricing}  balance ${money(balanceAfter)} ${cur}`;
    }
    case 'ticket.rejected': {
      const { rideId, reason } = d;
      if (typeof rideId !== 'string' || typeof reason !== 'string') return undefined;
      return `${rideId}: ${reason}`;
    }
    case 'balance.changed': {
      const { change, balance, currency, cause } = d;
      if (!isCents(change) || !isCents(balance)) return undefined;
      const kind = isRecord(cause) && typeof cause.kind === 'string' ? ` (${cause.kind})` : '';
      const sign = change >= 0 ? '+' : '';
      return `${sign}${money(change)} → ${money(balance)} ${typeof currency === 'string' ? currency : 'EUR'}${kind}`;
    }
    case 'booking.held':
    case 'booking.confirmed':
    case 'booking.expired':
    case 'booking.cancelled': {
      const { id, showId, status, total, currency, items } = d;
      if (typeof id !== 'string' || typeof showId !== 'string' || !isCents(total) || !Array.isArray(items)) return undefined;
      const places = items.map((i) => (isRecord(i) && Array.isArray(i.seats) ? i.seats.join(' ') : isRecord(i) ? `${String(i.quantity)} × ${String(i.categoryId)}` : '?'));
      return `${id} ${showId} ${places.join(', ')}  ${money(total)} ${typeof currency === 'string' ? currency : 'EUR'}  ${String(status)}`;
    }
    case 'payment.succeeded':
    case 'payment.failed':
    case 'payment.refunded': {
      const { method, amount, refundAmount, failureReason, booking } = d;
      if (typeof method !== 'string' || !isCents(amount)) return undefined;
      const shown = isCents(refundAmount) ? refundAmount : amount;
      const why = typeof failureReason === 'string' ? ` (${failureReason})` : '';
      return `${method} ${money(shown)}${why}  booking ${isRecord(booking) ? String(booking.id) : '?'}`;
    }
    case 'ticket.checked_in': {
      const { ticketId, gateId } = d;
      return typeof ticketId === 'string' && typeof gateId === 'string' ? `${ticketId} at ${gateId}` : undefined;
    }
    case 'waitlist.offered': {
      const { booking } = d;
      if (!isRecord(booking) || typeof booking.id !== 'string') return undefined;
      return `booking ${booking.id} held for you until ${String(booking.holdExpiresAt)}: pay it to keep it`;
    }
    default:
      return undefined;
  }
}

/** `afternoon-peak ×1.25 → 12.50` or `season-pass −50 % → 6.25`. */
function ruleText(rule: unknown): string | undefined {
  if (!isRecord(rule) || typeof rule.rule !== 'string' || !isCents(rule.factorBp) || !isCents(rule.after)) {
    return undefined;
  }
  const factor = rule.kind === 'tier' && rule.factorBp < 10_000
    ? `−${trim((10_000 - rule.factorBp) / 100)} %`
    : `×${trim(rule.factorBp / 10_000)}`;
  return `${rule.rule} ${factor} → ${money(rule.after)}`;
}

function payloadOf(text: string): Json | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(json)) return undefined;
  return typeof json.type === 'string' && isRecord(json.data) ? json.data : json;
}

/**
 * Integer cents as `12.50`, `-3.05`, exact (no floating point).
 *
 * @example
 * money(1250); // '12.50'
 */
export function money(cents: number): string {
  const abs = Math.abs(cents);
  return `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function trim(n: number): string {
  return String(Number(n.toFixed(4)));
}

function isCents(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
