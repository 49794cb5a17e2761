/** The box office's metrics on a real engine (virtual time): events by type, refusals by code, each live show's places. */
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/metrics/metrics.ts';
import { GALA } from '../box-office/box-office-harness.ts';
import { startEngine, type EngineHarness } from '../pipeline/harness.ts';
import { parsePrometheusText, value } from './prom-text.ts';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('box-office metrics', () => {
  it('count committed events by type and refusals by code, and read each live show\'s places at the scrape', async () => {
    const metrics = new Metrics();
    h = await startEngine({ metrics });
    await h.run(h.engine.putShow('gala', GALA));
    const office = h.engine.boxOffice;
    await h.run(office.book({ customerId: 'customer-1', showId: 'gala', items: [{ categoryId: 'floor', quantity: 3 }], payment: { method: 'wallet' } }));
    await h.run(office.book({ customerId: 'customer-2', showId: 'gala', items: [{ categoryId: 'floor', quantity: 1 }] }));
    await h.run(office.book({ customerId: 'customer-3', showId: 'gala', items: [{ categoryId: 'floor', quantity: 1 }] }).catch(() => undefined));
    await h.run(office.book({ customerId: 'customer-3', showId: 'nowhere', items: [{ categoryId: 'floor', quantity: 1 }] }).catch(() => undefined));

    const { samples } = parsePrometheusText(await h.run(metrics.text()));
    expect(value(samples, 'ticketd_box_office_events_total', { type: 'booking.held' })).toBe(2);
    expect(value(samples, 'ticketd_box_office_events_total', { type: 'payment.succeeded' })).toBe(1);
    expect(value(samples, 'ticketd_box_office_events_total', { type: 'booking.confirmed' })).toBe(1);
    expect(value(samples, 'ticketd_booking_refusals_total', { code: 'sold_out' })).toBe(1);
    expect(value(samples, 'ticketd_booking_refusals_total', { code: 'unknown_show' })).toBe(1);
    expect(value(samples, 'ticketd_show_places', { show: 'gala', category: 'floor', state: 'sold' })).toBe(3);
    expect(value(samples, 'ticketd_show_places', { show: 'gala', category: 'floor', state: 'held' })).toBe(1);
    expect(value(samples, 'ticketd_show_places', { show: 'gala', category: 'floor', state: 'available' })).toBe(0);
    expect(value(samples, 'ticketd_show_places', { show: 'gala', category: 'stalls', state: 'available' })).toBe(6);
  });
});
