/**
 * The show's inventory actor: the only writer of one show's availability (inventory.ts), one message at a time, so
 * nothing locks and nothing oversells. Its mailbox is bounded with `reject` overflow: a full mailbox answers the
 * asker at once with `overloaded`, never loses the request silently. One timer on the injected clock is armed for
 * the earliest pending expiry; when it fires the due holds are released and handed to `onExpired`. A restart
 * rebuilds the state from `load()` (the committed records).
 */
import { ActorError } from '../actors/errors.ts';
import type { ActorRef } from '../actors/actor-ref.ts';
import type { Behavior, Props } from '../actors/types.ts';
import type { SeatMapSnapshot } from '../domain/seating/seat-map.ts';
import type { Clock, TimerHandle } from '../platform/clock.ts';
import { Inventory } from './inventory.ts';
import type {
  CategoryAvailability, ConfirmResult, HoldItem, HoldResult, InventoryCategory, InventoryLimits, InventoryRecord,
  ReleaseReason, ReleaseResult,
} from './inventory-types.ts';

export type InventoryMessage =
  | { type: 'hold'; bookingId: string; items: readonly HoldItem[] }
  | { type: 'confirm'; bookingId: string }
  | { type: 'release'; bookingId: string; reason: ReleaseReason }
  | { type: 'available' }
  | { type: 'snapshot' }
  | { type: 'reload' }
  | { type: 'expire-due' };

/** What the show looks like now: counts per category and the seat maps of seated ones. */
export interface InventorySnapshot {
  available: CategoryAvailability[];
  seatMaps: Record<string, SeatMapSnapshot>;
}

export type InventoryReply = HoldResult | ConfirmResult | ReleaseResult | CategoryAvailability[] | InventoryRecord[] | InventorySnapshot | undefined;

export interface InventoryActorOptions {
  /** The actor's name among its siblings, e.g. `inventory:sh_1`. */
  name: string;
  categories: readonly InventoryCategory[];
  limits: InventoryLimits;
  /** How long a hold lasts (issue 10: 15 minutes by default, `DEFAULT_HOLD_MS`). */
  holdMs: number;
  /** Most requests queued for the actor; more are refused as `overloaded`. */
  mailboxCapacity: number;
  /** The committed records to start from (and to restart from after a crash). */
  load: () => readonly InventoryRecord[];
  /** Holds the timer released, so the caller can commit them as `expired`. */
  onExpired?: (records: InventoryRecord[]) => void;
}

/**
 * The props of one show's inventory actor; spawn them under the parent that supervises the show's actors.
 *
 * @example
 * const ref = parentCtx.spawn(inventoryProps({ name: 'inventory:sh_1', categories, limits: DEFAULT_INVENTORY_LIMITS,
 *   holdMs: DEFAULT_HOLD_MS, mailboxCapacity: 10_000, load: () => [] }));
 */
export function inventoryProps(options: InventoryActorOptions): Props<InventoryMessage, InventoryReply> {
  if (!(options.holdMs > 0) || !Number.isFinite(options.holdMs)) throw new RangeError(`holdMs must be a finite number > 0, got ${options.holdMs}`);
  return {
    name: options.name,
    mailbox: { capacity: options.mailboxCapacity, overflow: 'reject' },
    create: (ctx) => inventoryBehavior(options, ctx.runtime.clock, ctx.self),
  };
}

/** How soon an expiry refused by a full mailbox is offered again (confirm refuses an expired hold meanwhile). */
export const EXPIRY_RETRY_MS = 50;

function inventoryBehavior(
  options: InventoryActorOptions,
  clock: Clock,
  self: ActorRef<InventoryMessage, InventoryReply>,
): Behavior<InventoryMessage, InventoryReply> {
  let inventory = Inventory.rebuild(options.categories, options.limits, options.load());
  let timer: TimerHandle | undefined;
  let armedForMs: number | undefined;

  /** Keeps exactly one timer, for the earliest expiry, or none when nothing is held. */
  const rearm = (): void => {
    const next = inventory.nextExpiryMs();
    if (next === armedForMs) return;
    if (timer !== undefined) clock.clearTimer(timer);
    timer = undefined;
    armedForMs = next;
    if (next === undefined) return;
    arm(next, next - clock.now());
  };
  /** One timer for `dueMs`; a full mailbox refuses its message, so it tries again every EXPIRY_RETRY_MS until taken. */
  const arm = (dueMs: number, delayMs: number): void => {
    armedForMs = dueMs;
    timer = clock.setTimer(() => {
      timer = undefined;
      if (self.tell({ type: 'expire-due' })) {
        armedForMs = undefined;
        return;
      }
      arm(dueMs, EXPIRY_RETRY_MS);
    }, delayMs);
  };
  const disarm = (): void => {
    if (timer !== undefined) clock.clearTimer(timer);
    timer = undefined;
    armedForMs = undefined;
  };

  const handle = (message: InventoryMessage): InventoryReply => {
    const nowMs = clock.now();
    switch (message.type) {
      case 'hold':
        return inventory.hold(message.bookingId, message.items, nowMs, options.holdMs);
      case 'confirm':
        return inventory.confirm(message.bookingId, nowMs);
      case 'release':
        return inventory.release(message.bookingId, message.reason);
      case 'available':
        return inventory.available();
      case 'snapshot':
        return { available: inventory.available(), seatMaps: inventory.seatMaps() };
      case 'reload':
        // The committed records are the truth: after a decision whose commit failed, start again from them.
        inventory = Inventory.rebuild(options.categories, options.limits, options.load());
        return undefined;
      case 'expire-due': {
        const expired = inventory.expire(nowMs);
        if (expired.length > 0) options.onExpired?.(expired);
        return expired;
      }
    }
  };

  return {
    preStart: rearm,
    receive(message) {
      const reply = handle(message);
      rearm();
      return reply;
    },
    postStop: disarm,
    preRestart: disarm,
  };
}

/** A request the actor could not take: its mailbox was full (or it stopped). The caller may retry or answer 503. */
export interface Overloaded {
  ok: false;
  code: 'overloaded';
  reason: 'ERR_MAILBOX_FULL' | 'ERR_ACTOR_STOPPED' | 'ERR_ASK_TIMEOUT' | 'ERR_ASK_CAPACITY';
}

/**
 * Typed asks to an inventory actor; a refused delivery is an `Overloaded` answer, never a lost request.
 *
 * @example
 * const client = new InventoryClient(ref, 1_000);
 * const held = await client.hold('bk_1', [{ categoryId: 'ga', quantity: 2 }]);
 */
export class InventoryClient {
  constructor(
    readonly ref: ActorRef<InventoryMessage, InventoryReply>,
    readonly askTimeoutMs: number,
  ) {}

  hold(bookingId: string, items: readonly HoldItem[]): Promise<HoldResult | Overloaded> {
    return this.#ask<HoldResult>({ type: 'hold', bookingId, items });
  }

  confirm(bookingId: string): Promise<ConfirmResult | Overloaded> {
    return this.#ask<ConfirmResult>({ type: 'confirm', bookingId });
  }

  release(bookingId: string, reason: ReleaseReason): Promise<ReleaseResult | Overloaded> {
    return this.#ask<ReleaseResult>({ type: 'release', bookingId, reason });
  }

  available(): Promise<CategoryAvailability[] | Overloaded> {
    return this.#ask<CategoryAvailability[]>({ type: 'available' });
  }

  snapshot(): Promise<InventorySnapshot | Overloaded> {
    return this.#ask<InventorySnapshot>({ type: 'snapshot' });
  }

  /** Rebuilds the state from the committed records (after a decision whose commit failed). */
  reload(): Promise<undefined | Overloaded> {
    return this.#ask<undefined>({ type: 'reload' });
  }

  async #ask<T extends InventoryReply | undefined>(message: InventoryMessage): Promise<T | Overloaded> {
    try {
      // The message type decides the reply's type (see `handle`); the cast names that pairing.
      return (await this.ref.ask(message, { timeoutMs: this.askTimeoutMs })) as T;
    } catch (error) {
      if (error instanceof ActorError && error.code !== 'ERR_INVALID_OPTION' && error.code !== 'ERR_DUPLICATE_NAME' && error.code !== 'ERR_SYSTEM_STOPPED') {
        return { ok: false, code: 'overloaded', reason: error.code };
      }
      throw error;
    }
  }
}
