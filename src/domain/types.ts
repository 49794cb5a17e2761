/**
 * The ticketing domain's data shapes, shared by the HTTP layer, the worker pool, the pipeline actors and the
 * store. Amounts are integer cents; times on the wire are RFC 3339 strings, inside the engine epoch milliseconds.
 */

export type Tier = 'standard' | 'season-pass';
export const TIERS: readonly Tier[] = ['standard', 'season-pass'];

export type Currency = 'EUR';

export interface Customer {
  id: string;
  name: string;
  tier: Tier;
  /** Integer cents, never negative. */
  balance: number;
  currency: Currency;
}

export interface Ride {
  id: string;
  name: string;
  /** Integer cents. */
  price: number;
  open: boolean;
}

export interface Machine {
  id: string;
  /** Ed25519 public key, PEM (SPKI). A machine with a key must sign its taps. */
  publicKey?: string;
}

/** One tap of a ticket machine, as it arrives over HTTP. */
export interface Tap {
  tapId: string;
  customerId: string;
  rideId: string;
  machineId: string;
  /** RFC 3339 with an offset, e.g. `2026-11-22T10:00:00+02:00`. */
  tappedAt: string;
  /** Base64 Ed25519 signature over `tapId|customerId|rideId|machineId|tappedAt`. */
  signature?: string;
}

/** Why a tap was rejected, in the order validation checks them; `insufficient_funds` is the ledger's. */
export type RejectReason =
  | 'unknown_machine'
  | 'invalid_signature'
  | 'unknown_customer'
  | 'unknown_ride'
  | 'ride_closed'
  | 'stale_tap'
  | 'insufficient_funds';

/** A peak window: taps whose local time of day (in the park's time zone) lies in [start, end) cost more. */
export interface PeakWindow {
  name: string;
  /** `HH:MM`, local time in the park's time zone, inclusive. */
  start: string;
  /** `HH:MM`, exclusive. */
  end: string;
  /** Multiplier in basis points: 12_500 is × 1.25. */
  multiplierBp: number;
}

export interface PricingTable {
  /** IANA time zone of the park, e.g. `Europe/Amsterdam`. */
  timeZone: string;
  peakWindows: PeakWindow[];
  /** Discount per tier in basis points: 5_000 is − 50 %. A tier absent here pays full price. */
  tierDiscountsBp: Partial<Record<Tier, number>>;
}

/** One pricing rule as applied to a ticket, in the order applied. */
export interface AppliedRule {
  rule: string;
  kind: 'peak' | 'tier';
  /** Basis points the price was multiplied by (12_500 for × 1.25, 5_000 for − 50 %). */
  factorBp: number;
  before: number;
  after: number;
}

/** What the worker pool answers for a valid tap: the price, before the ledger charges it. */
export interface Quote {
  basePrice: number;
  price: number;
  rules: AppliedRule[];
}

export type Evaluation =
  | { tapId: string; ok: true; quote: Quote }
  | { tapId: string; ok: false; reason: RejectReason; message: string };

export interface Ticket {
  ticketId: string;
  tapId: string;
  customerId: string;
  rideId: string;
  basePrice: number;
  price: number;
  currency: Currency;
  rules: AppliedRule[];
  balanceAfter: number;
  tappedAt: string;
  issuedAt: string;
}

export type TapStatus = 'issued' | 'rejected' | 'failed';

export interface TapState {
  tapId: string;
  status: TapStatus;
  reason?: string;
  ticket?: Ticket;
}

/** The catalog the workers validate against; refreshed in the workers when it changes. */
export interface Catalog {
  version: number;
  customers: Record<string, Pick<Customer, 'id' | 'tier'>>;
  rides: Record<string, Ride>;
  machines: Record<string, Machine>;
  pricing: PricingTable;
}

export interface StalenessBounds {
  /** A tap older than this (relative to the server's clock) is `stale_tap`. Default 24 h. */
  maxAgeMs: number;
  /** A tap further than this in the future is `stale_tap`. Default 5 min. */
  maxFutureMs: number;
}

export const DEFAULT_STALENESS: StalenessBounds = { maxAgeMs: 24 * 3_600_000, maxFutureMs: 5 * 60_000 };

/** Largest amount the API accepts: 1,000,000.00 EUR in cents. */
export const AMOUNT_MAX = 100_000_000;
