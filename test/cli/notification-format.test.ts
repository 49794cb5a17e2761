import { describe, expect, it } from 'vitest';
import { formatNotification, money } from '../../src/cli/notification-format.ts';
import type { SseEvent } from '../../src/cli/sse-parser.ts';

function event(type: string, data: unknown, id = '42'): SseEvent {
  return { type, data: typeof data === 'string' ? data : JSON.stringify(data), id, lastEventId: id };
}

const ticket = {
  ticketId: 't-1', tapId: 'tap-1', customerId: 'customer-3', rideId: 'ride-b', basePrice: 1_000, price: 625,
  currency: 'EUR', balanceAfter: 9_375, tappedAt: '2026-07-01T12:30:00+02:00', issuedAt: '2026-07-01T10:30:00.000Z',
  rules: [
    { rule: 'afternoon-peak', kind: 'peak', factorBp: 12_500, before: 1_000, after: 1_250 },
    { rule: 'season-pass', kind: 'tier', factorBp: 5_000, before: 1_250, after: 625 },
  ],
};

describe('formatNotification', () => {
  it('shows a ticket with its price rules and the balance after', () => {
    expect(formatNotification(event('ticket.issued', ticket))).toBe(
      '#42 ticket.issued  ride-b  10.00 EUR (afternoon-peak ×1.25 → 12.50, season-pass −50 % → 6.25)  balance 93.75 EUR',
    );
    expect(formatNotification(event('ticket.issued', { ...ticket, price: 1_000, rules: [] }))).toBe(
      '#42 ticket.issued  ride-b  10.00 EUR  balance 93.75 EUR',
    );
  });

  it('shows a rejection with ride and reason', () => {
    const data = { tapId: 'x', customerId: 'customer-1', rideId: 'ride-x', reason: 'unknown_ride', message: '…', tappedAt: '' };
    expect(formatNotification(event('ticket.rejected', data, '7'))).toBe('#7 ticket.rejected  ride-x: unknown_ride');
  });

  it('shows a top-up signed, with its cause (a ticket carries its own balance: no balance.changed comes with it)', () => {
    const topUp = { customerId: 'c', balance: 10_750, currency: 'EUR', change: 2_000, cause: { kind: 'top-up', topUpId: 't' } };
    expect(formatNotification(event('balance.changed', topUp))).toBe('#42 balance.changed  +20.00 → 107.50 EUR (top-up)');
  });

  it('unwraps a whole outbox notification', () => {
    const wrapped = { id: 42, customerId: 'customer-3', type: 'ticket.issued', data: ticket, createdAt: '' };
    expect(formatNotification(event('ticket.issued', wrapped))).toMatch(/^#42 ticket\.issued {2}ride-b {2}10\.00 EUR/);
  });

  it('shows anything unexpected raw instead of dropping it', () => {
    expect(formatNotification(event('ticket.issued', 'not json\nat all'))).toBe('#42 ticket.issued  not json at all');
    expect(formatNotification(event('park.closed', { at: 'now' }))).toBe('#42 park.closed  {"at":"now"}');
    expect(formatNotification(event('ticket.issued', { rideId: 'ride-a' }))).toBe('#42 ticket.issued  {"rideId":"ride-a"}');
    expect(formatNotification({ type: 'message', data: 'hi', id: undefined, lastEventId: '' })).toBe('message  hi');
  });

  it('writes cents exactly', () => {
    expect([0, 5, 1_250, -305, 100_000_000].map(money)).toEqual(['0.00', '0.05', '12.50', '-3.05', '1000000.00']);
  });
});
