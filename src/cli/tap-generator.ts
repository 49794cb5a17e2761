/**
 * The taps of `ticketd simulate`: a fixed mix of valid and invalid taps against the demo park, drawn from a seeded
 * PRNG so that the same seed, run id and calls give the same taps (Ed25519 signatures are deterministic too).
 */

import type { KeyObject } from 'node:crypto';
import { demoPark } from '../domain/demo-park.ts';
import { signTap } from '../domain/signing.ts';
import type { Tap } from '../domain/types.ts';
import { seededRandom, type Random } from '../platform/random.ts';
import { formatRfc3339, localUtcOffsetMinutes } from './rfc3339-format.ts';

export type TapKind =
  | 'valid' | 'signed' | 'unknown-ride' | 'unknown-customer' | 'bad-signature' | 'stale' | 'duplicate';

/** The mix, in per mille of all taps. Without gate-s1's key, `signed` taps are sent as `valid` ones. */
export const TAP_MIX: ReadonlyArray<readonly [TapKind, number]> = [
  ['valid', 800],
  ['signed', 100],
  ['unknown-ride', 20],
  ['unknown-customer', 20],
  ['bad-signature', 20],
  ['stale', 20],
  ['duplicate', 20],
];

export const UNKNOWN_RIDE = 'ride-unknown';
export const UNKNOWN_CUSTOMER = 'customer-unknown';
/** Older than the server's default 24 h staleness bound, with room to spare. */
export const STALE_AGE_MS = 7 * 24 * 3_600_000;

const PARK = demoPark('');
const RIDES = PARK.rides.map((ride) => ride.id);
/** The demo park's signing gate, `gate-s1`. */
export const SIGNING_MACHINE = PARK.machines.find((m) => m.publicKey !== undefined)?.id ?? 'gate-s1';

export interface TapGeneratorOptions {
  seed: number;
  /** Tap ids are `sim-<runId>-<n>`; a fresh run id keeps a second run's taps from being duplicates of the first's. */
  runId: string;
  /** Customers `customer-1` … `customer-<n>`. */
  customerCount: number;
  /** Unsigned gates `gate-1` … `gate-<n>`. */
  unsignedMachineCount: number;
  /** gate-s1's private key; without it no validly signed taps are made. */
  signingKey?: KeyObject;
  /** Offset from UTC written into `tappedAt` for an instant; defaults to the local time zone's. */
  utcOffsetMinutes?: (epochMs: number) => number;
  /** How many recent taps a duplicate may repeat. */
  duplicatePoolSize: number;
}

export interface GeneratedTap {
  kind: TapKind;
  tap: Tap;
}

/**
 * Makes batches of taps. A `duplicate` resends (unchanged) a tap of an earlier batch, never one of its own batch,
 * and no earlier tap twice in one batch (so each duplicate is answered against an outcome already committed); in
 * the first batch it is a `valid` tap instead.
 *
 * @example
 * const generator = new TapGenerator({ seed: 7, runId: 'a1b2', customerCount: 6, unsignedMachineCount: 4,
 *   duplicatePoolSize: 1_000 });
 * generator.nextBatch(100, Date.now()); // [{ kind: 'valid', tap: { tapId: 'sim-a1b2-1', … } }, …]
 */
export class TapGenerator {
  readonly #options: TapGeneratorOptions;
  readonly #random: Random;
  readonly #offsetMinutes: (epochMs: number) => number;
  readonly #pool: Tap[] = [];
  #poolNext = 0;
  #count = 0;

  constructor(options: TapGeneratorOptions) {
    for (const name of ['customerCount', 'unsignedMachineCount', 'duplicatePoolSize'] as const) {
      if (!Number.isSafeInteger(options[name]) || options[name] < 1) {
        throw new RangeError(`${name} must be a positive integer, got ${options[name]}`);
      }
    }
    this.#options = options;
    this.#random = seededRandom(options.seed);
    this.#offsetMinutes = options.utcOffsetMinutes ?? localUtcOffsetMinutes;
  }

  /** Whether validly signed taps are made (gate-s1's key was given). */
  get signs(): boolean {
    return this.#options.signingKey !== undefined;
  }

  /** The next `size` taps, tapped at `nowMs`. */
  nextBatch(size: number, nowMs: number): GeneratedTap[] {
    const batch: GeneratedTap[] = [];
    const repeated = new Set<string>();
    for (let i = 0; i < size; i++) {
      const kind = this.#drawKind();
      const earlier = kind === 'duplicate' ? this.#pickEarlier(repeated) : undefined;
      if (earlier !== undefined) {
        repeated.add(earlier.tapId);
        batch.push({ kind, tap: earlier });
      } else {
        batch.push(this.#fresh(kind === 'duplicate' ? 'valid' : kind, nowMs));
      }
    }
    for (const { kind, tap } of batch) if (kind !== 'duplicate') this.#remember(tap);
    return batch;
  }

  #drawKind(): TapKind {
    let r = this.#random.int(1_000);
    for (const [kind, perMille] of TAP_MIX) {
      if (r < perMille) return kind === 'signed' && !this.signs ? 'valid' : kind;
      r -= perMille;
    }
    throw new Error('TAP_MIX must add up to 1000 per mille');
  }

  #fresh(kind: Exclude<TapKind, 'duplicate'>, nowMs: number): GeneratedTap {
    const random = this.#random;
    const customer = `customer-${1 + random.int(this.#options.customerCount)}`;
    const ride = RIDES[random.int(RIDES.length)] as string;
    const gate = `gate-${1 + random.int(this.#options.unsignedMachineCount)}`;
    const tappedAtMs = kind === 'stale' ? nowMs - STALE_AGE_MS : nowMs;
    const tap: Tap = {
      tapId: `sim-${this.#options.runId}-${++this.#count}`,
      customerId: kind === 'unknown-customer' ? UNKNOWN_CUSTOMER : customer,
      rideId: kind === 'unknown-ride' ? UNKNOWN_RIDE : ride,
      machineId: kind === 'signed' || kind === 'bad-signature' ? SIGNING_MACHINE : gate,
      tappedAt: formatRfc3339(tappedAtMs, this.#offsetMinutes(tappedAtMs)),
    };
    if (kind === 'signed') tap.signature = signTap(tap, this.#options.signingKey as KeyObject);
    if (kind === 'bad-signature') tap.signature = this.#randomSignature();
    return { kind, tap };
  }

  /** 64 bytes from the seeded PRNG: well-formed base64 of an Ed25519 signature's length that verifies for nothing. */
  #randomSignature(): string {
    const bytes = Buffer.alloc(64);
    for (let i = 0; i < bytes.length; i++) bytes[i] = this.#random.int(256);
    return bytes.toString('base64');
  }

  #pickEarlier(exclude: ReadonlySet<string>): Tap | undefined {
    if (this.#pool.length === 0) return undefined;
    const tap = this.#pool[this.#random.int(this.#pool.length)] as Tap;
    return exclude.has(tap.tapId) ? undefined : tap;
  }

  #remember(tap: Tap): void {
    if (this.#pool.length < this.#options.duplicatePoolSize) {
      this.#pool.push(tap);
    } else {
      this.#pool[this.#poolNext] = tap;
      this.#poolNext = (this.#poolNext + 1) % this.#pool.length;
    }
  }
}
