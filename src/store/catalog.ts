/**
 * The catalog: customers (with their opening balance), rides, machines and the pricing table. Every real change
 * bumps `catalog_version` in the same transaction, so workers can tell a stale catalog by its version.
 * Each function here runs inside a transaction opened by TicketStore.
 */
import type { Catalog, Customer, Machine, PricingTable, Ride } from '../domain/types.ts';
import { appendEvent } from './commit-batch.ts';
import { checkCents, checkId, checkTier, checkTimeMs } from './check-input.ts';
import { customerFromRow, machineFromRow, rideFromRow } from './rows.ts';
import type { StoreContext } from './statements.ts';
import type { CustomerInput, ParkSeed, RideInput } from './store-types.ts';

/** The pricing of a store that was never given one: no peak windows, no discounts. */
export const NEUTRAL_PRICING: PricingTable = { timeZone: 'UTC', peakWindows: [], tierDiscountsBp: {} };

export function upsertCustomer(
  ctx: StoreContext,
  id: string,
  input: CustomerInput,
  nowMs: number,
): { customer: Customer; created: boolean } {
  checkId(id, 'id');
  checkTier(input.tier);
  checkTimeMs(nowMs, 'nowMs');
  const { st } = ctx;
  const existing = st.getCustomer.get(id);
  if (existing === undefined) {
    const balance = checkCents(input.balance, 'balance', 0);
    st.insertCustomer.run(id, input.name, input.tier, balance);
    appendEvent(ctx, { customer_id: id, type: 'customer.opened', amount: balance, balance_after: balance }, nowMs);
    st.bumpCatalogVersion.run();
    return { customer: { id, name: input.name, tier: input.tier, balance, currency: 'EUR' }, created: true };
  }
  if (st.updateCustomerProfile.run({ id, name: input.name, tier: input.tier }).changes > 0) {
    st.bumpCatalogVersion.run();
  }
  return { customer: { ...customerFromRow(existing), name: input.name, tier: input.tier }, created: false };
}

export function upsertRide({ st }: StoreContext, id: string, input: RideInput): Ride {
  checkId(id, 'id');
  checkCents(input.price, 'price', 0);
  const open = input.open ? 1 : 0;
  if (st.upsertRide.run({ id, name: input.name, price: input.price, open }).changes > 0) {
    st.bumpCatalogVersion.run();
  }
  return { id, name: input.name, price: input.price, open: input.open };
}

export function upsertMachine({ st }: StoreContext, id: string, input: { publicKey?: string }): Machine {
  checkId(id, 'id');
  // A machine upserted without a key stops signing: the key is set to exactly what is given.
  if (st.upsertMachine.run(id, input.publicKey ?? null).changes > 0) st.bumpCatalogVersion.run();
  return input.publicKey === undefined ? { id } : { id, publicKey: input.publicKey };
}

export function setPricing({ st }: StoreContext, table: PricingTable): void {
  if (st.setPricing.run(JSON.stringify(table)).changes > 0) st.bumpCatalogVersion.run();
}

/** Read inside one (deferred) transaction, so the version matches the rows. */
export function loadCatalog({ st }: StoreContext): Catalog {
  const customers: Catalog['customers'] = {};
  for (const row of st.customerTiers.iterate()) customers[row.id] = { id: row.id, tier: row.tier };
  const rides: Catalog['rides'] = {};
  for (const row of st.listRides.iterate()) rides[row.id] = rideFromRow(row);
  const machines: Catalog['machines'] = {};
  for (const row of st.listMachines.iterate()) machines[row.id] = machineFromRow(row);
  const pricingJson = st.getPricing.get();
  const pricing = pricingJson === undefined ? NEUTRAL_PRICING : (JSON.parse(pricingJson) as PricingTable);
  return { version: st.catalogVersion.get() ?? 0, customers, rides, machines, pricing };
}

/** Writes the park only into a store with no customers yet; returns whether it did. */
export function seedIfEmpty(ctx: StoreContext, park: ParkSeed, nowMs: number): boolean {
  if (ctx.st.anyCustomer.get() === 1) return false;
  for (const { id, ...input } of park.customers) upsertCustomer(ctx, id, input, nowMs);
  for (const { id, ...input } of park.rides) upsertRide(ctx, id, input);
  for (const { id, ...input } of park.machines) upsertMachine(ctx, id, input);
  setPricing(ctx, park.pricing);
  return true;
}
