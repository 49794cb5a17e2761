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
import { StoreError } from './store-error.ts';
import type { CustomerInput, CustomerPatch, ParkSeed, RideInput } from './store-types.ts';

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
    const balance = checkCents(input.balance ?? 0, 'balance', 0);
    st.insertCustomer.run(id, input.name, input.tier, balance);
    appendEvent(ctx, { customer_id: id, type: 'customer.opened', amount: balance, balance_after: balance }, nowMs);
    st.bumpCatalogVersion.run();
    return { customer: { id, name: input.name, tier: input.tier, balance, currency: 'EUR' }, created: true };
  }
  // The opening balance is only an opening balance: ignoring a different one here would acknowledge a change never
  // made. The same one is what a retried creating PUT sends, and it describes the customer as it is: accepted.
  if (input.balance !== undefined && input.balance !== existing.balance) {
    throw new StoreError(
      'ERR_BALANCE_NOT_SETTABLE',
      `customer ${id} exists with a balance of ${existing.balance}: its balance changes with top-ups, not with a PUT`,
    );
  }
  if (st.updateCustomerProfile.run({ id, name: input.name, tier: input.tier }).changes > 0) {
    st.bumpCatalogVersion.run();
  }
  return { customer: { ...customerFromRow(existing), name: input.name, tier: input.tier }, created: false };
}

/** Changes only the fields given; `ERR_UNKNOWN_CUSTOMER` when there is no such customer. */
export function patchCustomer(ctx: StoreContext, id: string, patch: CustomerPatch): Customer {
  checkId(id, 'id');
  const existing = ctx.st.getCustomer.get(id);
  if (existing === undefined) throw new StoreError('ERR_UNKNOWN_CUSTOMER', `no customer ${id}`);
  const name = patch.name ?? existing.name;
  const tier = checkTier(patch.tier ?? existing.tier);
  if (ctx.st.updateCustomerProfile.run({ id, name, tier }).changes > 0) ctx.st.bumpCatalogVersion.run();
  return { ...customerFromRow(existing), name, tier };
}

/** Creates or replaces a ride; `created` tells which. */
export function upsertRide({ st }: StoreContext, id: string, input: RideInput): { ride: Ride; created: boolean } {
  checkId(id, 'id');
  checkCents(input.price, 'price', 0);
  const open = input.open ? 1 : 0;
  const created = st.rideExists.get(id) === 0;
  if (st.upsertRide.run({ id, name: input.name, price: input.price, open }).changes > 0) {
    st.bumpCatalogVersion.run();
  }
  return { ride: { id, name: input.name, price: input.price, open: input.open }, created };
}

/** Creates or replaces a machine; `created` tells which. */
export function upsertMachine({ st }: StoreContext, id: string, input: { publicKey?: string }): { machine: Machine; created: boolean } {
  checkId(id, 'id');
  const created = st.machineExists.get(id) === 0;
  // A machine upserted without a key stops signing: the key is set to exactly what is given.
  if (st.upsertMachine.run(id, input.publicKey ?? null).changes > 0) st.bumpCatalogVersion.run();
  return { machine: input.publicKey === undefined ? { id } : { id, publicKey: input.publicKey }, created };
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
