/**
 * Building the catalog the workers validate against from lists of customers, rides and machines.
 */

import type { Catalog, Customer, Machine, PricingTable, Ride } from './types.ts';

export interface CatalogSource {
  customers: readonly Pick<Customer, 'id' | 'tier'>[];
  rides: readonly Ride[];
  machines: readonly Machine[];
  pricing: PricingTable;
}

/**
 * Indexes `source` by id into a {@link Catalog} of the given version. Customers keep only `id` and `tier`: the
 * workers need no names or balances (balances are the ledger's). Bump `version` on every change so workers'
 * key caches drop stale keys.
 *
 * @example
 * const catalog = buildCatalog(1, demoPark(gateS1PublicKeyPem));
 * catalog.rides['ride-a']?.price; // 500
 */
export function buildCatalog(version: number, source: CatalogSource): Catalog {
  const customers: Catalog['customers'] = {};
  for (const c of source.customers) customers[c.id] = { id: c.id, tier: c.tier };
  const rides: Catalog['rides'] = {};
  for (const r of source.rides) rides[r.id] = { ...r };
  const machines: Catalog['machines'] = {};
  for (const m of source.machines) machines[m.id] = { ...m };
  return { version, customers, rides, machines, pricing: source.pricing };
}
