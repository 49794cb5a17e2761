/**
 * The booking attempts of `ticketd onsale`, one per buyer, at most `concurrency` in flight, and what the server
 * answered them: a booking (held, confirmed or payment_failed), or an error code (`sold_out`, …), after which a
 * buyer may join the waiting list. Attempts stop starting when the run is interrupted or the server is gone. Card
 * bookings answered `held` are read again afterwards until they settle.
 */

import type { Clock } from '../platform/clock.ts';
import { sleep } from './cli-clock.ts';
import type { LatencyRecorder } from './latency-recorder.ts';
import { readBooking } from './onsale-audit.ts';
import { isRecord } from './http-client.ts';
import { errorCode, type OnsaleAnswer, type OnsaleRequest } from './onsale-http.ts';

export type BuyerPlan = 'card' | 'wallet' | 'abandon';

/** A booking the run made: its id, how its buyer pays, and its status as last read. */
export interface MadeBooking { id: string; plan: BuyerPlan; status: string }

/** Rounds of `GET /v1/bookings/:id` for the card bookings still held, this long apart, and a time bound on them. */
export interface SettleOptions {
  concurrency: number;
  settleRoundsMax: number;
  settleIntervalMs: number;
  settleTimeoutMs: number;
}

export type Send = (request: OnsaleRequest) => Promise<OnsaleAnswer>;

export interface AttemptOptions {
  showId: string;
  concurrency: number;
  quantity: number;
  waitlist: boolean;
  /** The attempts stop starting after this many network errors in a row: the server is gone. */
  networkErrorsInARowMax: number;
  signal?: AbortSignal;
}

/**
 * The booking attempts, one per buyer, and what they were answered; `made` holds the bookings answered 201.
 *
 * @example
 * const attempts = new Attempts(options, ['card', 'wallet'], send, latencies, { buyerId, categoryId: 'floor' });
 * await attempts.run();
 * attempts.answers; // Map { 'confirmed' => 1, 'held' => 1 }
 */
export class Attempts {
  readonly made: MadeBooking[] = [];
  readonly answers = new Map<string, number>();
  readonly waitlistRefused = new Map<string, number>();
  started = 0;
  done = 0;
  confirmed = 0;
  soldOut = 0;
  held = 0;
  waitlisted = 0;
  serverGone = false;
  #networkErrorsInARow = 0;

  constructor(
    private readonly options: AttemptOptions,
    private readonly plans: readonly BuyerPlan[],
    private readonly send: Send,
    private readonly latencies: LatencyRecorder,
    private readonly ids: { buyerId: (i: number) => string; categoryId: string },
  ) {}

  async run(): Promise<void> {
    const stopped = (): boolean => this.options.signal?.aborted === true || this.serverGone;
    await forEachBounded(this.plans.length, this.options.concurrency, stopped, async (i) => {
      this.started++;
      await this.attempt(i);
      this.done++;
    });
  }

  async attempt(i: number): Promise<void> {
    const { options, ids } = this;
    const plan = this.plans[i]!;
    const customerId = ids.buyerId(i + 1);
    const items = [{ categoryId: ids.categoryId, quantity: options.quantity }];
    const answer = await this.send({
      method: 'POST', path: '/v1/bookings', idempotencyKey: customerId,
      body: { customerId, showId: options.showId, items, ...(plan !== 'abandon' && { payment: { method: plan } }) },
    });
    if (answer.kind === 'network-error') {
      this.count(this.answers, 'network_error');
      if (++this.#networkErrorsInARow >= options.networkErrorsInARowMax) this.serverGone = true;
      return;
    }
    this.#networkErrorsInARow = 0;
    this.latencies.record(answer.latencyMs);
    const booking = answer.status === 201 && isRecord(answer.body) ? answer.body : undefined;
    if (booking !== undefined && typeof booking.id === 'string' && typeof booking.status === 'string') {
      this.count(this.answers, booking.status);
      this.made.push({ id: booking.id, plan, status: booking.status });
      if (booking.status === 'confirmed') this.confirmed++;
      if (booking.status === 'held') this.held++;
      return;
    }
    const code = errorCode(answer);
    this.count(this.answers, code);
    if (code !== 'sold_out') return;
    this.soldOut++;
    if (options.waitlist) await this.joinWaitingList(customerId);
  }

  async joinWaitingList(customerId: string): Promise<void> {
    const { options, ids } = this;
    const answer = await this.send({
      method: 'POST', path: `/v1/shows/${encodeURIComponent(options.showId)}/waiting-list`,
      body: { customerId, categoryId: ids.categoryId, quantity: options.quantity },
    });
    if (answer.kind === 'answered' && answer.status === 201) this.waitlisted++;
    else this.count(this.waitlistRefused, answer.kind === 'answered' ? errorCode(answer) : 'network_error');
  }

  count(counts: Map<string, number>, key: string): void {
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
}

/**
 * Reads the card bookings answered `held` again, round after round, until none is `held` any more or the rounds or
 * the time run out; answers how many are still held.
 *
 * @example
 * const unsettled = await settleCards({ concurrency: 16, settleRoundsMax: 120, settleIntervalMs: 250, settleTimeoutMs: 60_000 },
 *   cliClock, send, attempts); // 0
 */
export async function settleCards(
  options: SettleOptions, clock: Clock, send: Send, attempts: Attempts,
): Promise<number> {
  let pending = attempts.made.filter((b) => b.plan === 'card' && b.status === 'held');
  const endMs = clock.now() + options.settleTimeoutMs;
  for (let round = 0; round < options.settleRoundsMax && pending.length > 0 && clock.now() < endMs; round++) {
    await sleep(clock, options.settleIntervalMs);
    const still: MadeBooking[] = [];
    await forEachBounded(pending.length, options.concurrency, () => false, async (i) => {
      const booking = pending[i]!;
      const answer = await send({ method: 'GET', path: `/v1/bookings/${encodeURIComponent(booking.id)}` });
      const read = answer.kind === 'answered' && answer.status === 200 ? readBooking(answer.body) : undefined;
      if (read !== undefined) booking.status = read.status;
      if (booking.status !== 'held') {
        attempts.held--;
        if (booking.status === 'confirmed') attempts.confirmed++;
      } else {
        still.push(booking);
      }
    });
    pending = still;
  }
  return pending.length;
}

/**
 * Runs `task(0)` … `task(count - 1)` with at most `concurrency` at once, in order; starts no more once `stopped()`.
 *
 * @example
 * await forEachBounded(1_000, 16, () => signal.aborted, async (i) => { await book(i); });
 */
export async function forEachBounded(
  count: number, concurrency: number, stopped: () => boolean, task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && !stopped()) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/**
 * The plan of a buyer from a draw in [0, 1): card, then abandon, then wallet, by their shares.
 *
 * @example
 * planOf(0.1, { cardShare: 0.3, abandonShare: 0.1 }); // 'card'
 * planOf(0.35, { cardShare: 0.3, abandonShare: 0.1 }); // 'abandon'
 */
export function planOf(draw: number, shares: { cardShare: number; abandonShare: number }): BuyerPlan {
  if (draw < shares.cardShare) return 'card';
  if (draw < shares.cardShare + shares.abandonShare) return 'abandon';
  return 'wallet';
}
