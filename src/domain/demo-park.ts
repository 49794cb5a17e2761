/**
 * The demo park that `ticketd serve --demo` starts with: six customers, five rides, four unsigned gates and one
 * signing gate, and an afternoon peak.
 */

import type { Customer, Machine, PricingTable, Ride } from './types.ts';

export interface DemoPark {
  customers: Customer[];
  rides: Ride[];
  machines: Machine[];
  pricing: PricingTable;
}

/** 100.00 EUR. */
const DEMO_BALANCE = 10_000;

/**
 * The demo park. `gate-s1` signs its taps with the Ed25519 key whose public half (PEM, SPKI) the caller passes;
 * `gate-1` … `gate-4` do not sign. Each customer holds 100.00 EUR; `customer-3` has a season pass (−50 %); taps
 * between 12:00 and 15:00 Amsterdam time cost × 1.25.
 *
 * @example
 * const { publicKey, privateKey } = generateKeyPairSync('ed25519');
 * const park = demoPark(publicKey.export({ type: 'spki', format: 'pem' }).toString());
 */
export function demoPark(gateS1PublicKeyPem: string): DemoPark {
  const names = ['Ada', 'Brian', 'Chloe', 'Daan', 'Emma', 'Farid'];
  const customers: Customer[] = names.map((name, i) => ({
    id: `customer-${i + 1}`,
    name,
    tier: i === 2 ? 'season-pass' : 'standard',
    balance: DEMO_BALANCE,
    currency: 'EUR',
  }));
  const rides: Ride[] = [
    { id: 'ride-a', name: 'Carousel', price: 500, open: true },
    { id: 'ride-b', name: 'Ghost Train', price: 1_000, open: true },
    { id: 'ride-c', name: 'Log Flume', price: 1_500, open: true },
    { id: 'ride-d', name: 'Wild Mouse', price: 1_500, open: true },
    { id: 'ride-e', name: 'Thunder Coaster', price: 2_000, open: true },
  ];
  const machines: Machine[] = [
    { id: 'gate-1' },
    { id: 'gate-2' },
    { id: 'gate-3' },
    { id: 'gate-4' },
    { id: 'gate-s1', publicKey: gateS1PublicKeyPem },
  ];
  const pricing: PricingTable = {
    timeZone: 'Europe/Amsterdam',
    peakWindows: [{ name: 'afternoon-peak', start: '12:00', end: '15:00', multiplierBp: 12_500 }],
    tierDiscountsBp: { 'season-pass': 5_000 },
  };
  return { customers, rides, machines, pricing };
}
