/**
 * The core of `ticketd onsale`: a sales opening played against a running server. It reads the show, creates the
 * run's buyers (`onsale-<runId>-<i>`, each with a balance that covers one booking), then makes one booking attempt
 * per buyer with at most `concurrency` in flight: a seeded share pays by card, a share abandons (books without
 * paying), the rest pay from their wallet; a buyer answered `sold_out` may join the waiting list. Card bookings are
 * then polled until no longer `held`, and the audit reads the server's own state (see onsale-audit.ts). Time,
 * randomness and HTTP come in through `deps`, so a test runs it in virtual time against a fake server.
 */

import type { BookingStatus } from '../box-office/booking-types.ts';
import type { Clock } from '../platform/clock.ts';
import { seededRandom, type Random } from '../platform/random.ts';
import type { FetchLike } from './http-client.ts';
import { LatencyRecorder, type LatencyPercentiles } from './latency-recorder.ts';
import { auditOnsale, readBooking, type AuditedBooking, type AuditResult } from './onsale-audit.ts';
import { isRecord } from './http-client.ts';
import { errorCode, sendJson, type OnsaleAnswer, type OnsaleHttpOptions, type OnsaleRequest } from './onsale-http.ts';
import { Attempts, forEachBounded, planOf, settleCards, type BuyerPlan, type MadeBooking, type Send } from './onsale-attempts.ts';

export interface OnsaleOptions {
  url: string;
  token?: string;
  showId: string;
  /** The category every buyer books; the show's first when absent. */
  categoryId?: string;
  buyerCount: number;
  /** Most requests in flight at once, in each phase. */
  concurrency: number;
  /** Shares of the buyers that pay by card and that abandon, in [0, 1], adding up to at most 1. */
  cardShare: number;
  abandonShare: number;
  /** Places each buyer books. */
  quantity: number;
  /** A buyer answered `sold_out` joins the waiting list. */
  waitlist: boolean;
  /** Seeds who pays how (and the latency sampling). */
  seed: number;
  requestTimeoutMs: number;
  retryAttemptsMax: number;
  retryAfterMaxMs: number;
  /** Rounds of `GET /v1/bookings/:id` for the card bookings still held, this long apart, and a time bound on them. */
  settleRoundsMax: number;
  settleIntervalMs: number;
  settleTimeoutMs: number;
  /** The run stops starting attempts after this many network errors in a row: the server is gone. */
  networkErrorsInARowMax: number;
  latencySamplesMax: number;
  progressIntervalMs: number;
  /** Aborting stops starting attempts; those in flight finish, then the run settles and audits as usual. */
  signal?: AbortSignal;
  onProgress?: (progress: OnsaleProgress) => void;
}

export const ONSALE_DEFAULTS = {
  url: 'http://127.0.0.1:8080',
  buyerCount: 1_000,
  concurrency: 32,
  cardShare: 0.3,
  abandonShare: 0.1,
  quantity: 1,
  waitlist: false,
  requestTimeoutMs: 10_000,
  retryAttemptsMax: 3,
  retryAfterMaxMs: 2_000,
  settleRoundsMax: 120,
  settleIntervalMs: 250,
  settleTimeoutMs: 60_000,
  networkErrorsInARowMax: 20,
  latencySamplesMax: 100_000,
  progressIntervalMs: 1_000,
} as const;

export interface OnsaleDeps {
  fetch: FetchLike;
  clock: Clock;
  /** For the run id only: the buyers and their plans come from `seed`. */
  random: Random;
}

export interface OnsaleProgress {
  elapsedMs: number;
  /** Buyers created (or refused) so far, of `total`. */
  buyers: number;
  done: number;
  total: number;
  confirmed: number;
  soldOut: number;
  /** Bookings of the run last seen `held`. */
  held: number;
}

export interface OnsaleSummary {
  url: string;
  showId: string;
  categoryId: string;
  runId: string;
  seed: number;
  /** `ms`: the time creating them took, before the first attempt. */
  buyers: { requested: number; created: number; failed: number; ms: number; firstProblem?: string };
  /** Attempts made of `buyers.requested` (fewer when interrupted or the server went away). */
  attempts: number;
  plans: Record<BuyerPlan, number>;
  /** Booking attempts from the first to the last answer, then the settling of card bookings. */
  bookingMs: number;
  settleMs: number;
  /** Bookings answered 201 (each held places) per second of the booking phase. */
  holdsPerS: number;
  /** Bookings confirmed in the end per second of booking and settling. */
  confirmedPerS: number;
  /** POST /v1/bookings, per answered request, milliseconds; `null` if none. */
  latencyMs: LatencyPercentiles | null;
  /** Attempts by first answer: a 201's booking status (`held`, `confirmed`, `payment_failed`), else the error code. */
  answers: Record<string, number>;
  /** The run's bookings by status as last read (the audit's reads). */
  bookings: Partial<Record<BookingStatus, number>>;
  waitlisted: number;
  /** Waiting-list requests refused, by error code. */
  waitlistRefused: Record<string, number>;
  /** Card bookings still `held` when settling ended. */
  unsettled: number;
  networkErrors: number;
  firstNetworkError?: string;
  /** Requests sent again after a 429, a 503 or a network error. */
  retries: number;
  interrupted: boolean;
  /** Attempts stopped early after `networkErrorsInARowMax` network errors in a row. */
  serverGone: boolean;
  /** `null` when the show could not be read at the end. */
  audit: AuditResult | null;
}

/** Why a run could not start: the show or its category is not there, or the server did not answer. */
export class OnsaleSetupError extends Error {
  override readonly name = 'OnsaleSetupError';
  constructor(readonly code: 'ERR_ONSALE_SHOW' | 'ERR_ONSALE_UNREACHABLE', message: string) {
    super(message);
  }
}

/**
 * Plays the sales opening and audits it; throws OnsaleSetupError when the show cannot be read before it starts.
 *
 * @example
 * const summary = await runOnsaleSession({ ...ONSALE_DEFAULTS, showId: 'gala', seed: 7, token },
 *   { fetch, clock: cliClock, random: systemRandom });
 * summary.audit?.holds; // true
 */
export async function runOnsaleSession(options: OnsaleOptions, deps: OnsaleDeps): Promise<OnsaleSummary> {
  validateOptions(options);
  const { clock } = deps;
  const runId = deps.random.int(36 ** 6).toString(36).padStart(6, '0');
  const http: OnsaleHttpOptions = {
    url: options.url, fetch: deps.fetch, clock, requestTimeoutMs: options.requestTimeoutMs,
    retryAttemptsMax: options.retryAttemptsMax, retryAfterMaxMs: options.retryAfterMaxMs,
    ...(options.token !== undefined && { token: options.token }),
  };
  const stats = { networkErrors: 0, retries: 0, firstNetworkError: undefined as string | undefined };
  const send = async (request: OnsaleRequest): Promise<OnsaleAnswer> => {
    const answer = await sendJson(request, http);
    stats.retries += answer.retries;
    if (answer.kind === 'network-error') {
      stats.networkErrors++;
      stats.firstNetworkError ??= answer.message;
    }
    return answer;
  };
  const { categoryId, price } = await readCategory(options, send);
  const buyerId = (i: number): string => `onsale-${runId}-${i}`;
  const buyers: OnsaleSummary['buyers'] = { requested: options.buyerCount, created: 0, failed: 0, ms: 0 };
  const random = seededRandom(options.seed);
  const plans = Array.from({ length: options.buyerCount }, () => planOf(random.next(), options));
  const latencies = new LatencyRecorder(options.latencySamplesMax, random);
  const attempts = new Attempts(options, plans, send, latencies, { buyerId, categoryId });
  const stopProgress = startProgress(options, clock, buyers, attempts);
  const { attemptsStartMs: startMs, bookingEndMs, settleEndMs, unsettled, audit } =
    await play(options, clock, send, { buyers, buyerId, balance: price * options.quantity }, attempts).finally(stopProgress);
  const statuses: Partial<Record<BookingStatus, number>> = {};
  for (const b of audit.bookings) statuses[b.status] = (statuses[b.status] ?? 0) + 1;
  const confirmed = statuses.confirmed ?? 0;
  const bookingMs = bookingEndMs - startMs;
  const settleMs = settleEndMs - bookingEndMs;
  return {
    url: options.url, showId: options.showId, categoryId, runId, seed: options.seed, buyers,
    attempts: attempts.done, plans: countPlans(plans.slice(0, attempts.started)),
    bookingMs, settleMs,
    holdsPerS: bookingMs > 0 ? (attempts.made.length * 1_000) / bookingMs : 0,
    confirmedPerS: bookingMs + settleMs > 0 ? (confirmed * 1_000) / (bookingMs + settleMs) : 0,
    latencyMs: latencies.percentiles(), answers: sortedCounts(attempts.answers), bookings: statuses,
    waitlisted: attempts.waitlisted, waitlistRefused: sortedCounts(attempts.waitlistRefused), unsettled,
    networkErrors: stats.networkErrors, ...(stats.firstNetworkError !== undefined && { firstNetworkError: stats.firstNetworkError }),
    retries: stats.retries, interrupted: options.signal?.aborted === true, serverGone: attempts.serverGone,
    audit: audit.result,
  };
}

/**
 * The whole run after the show is read: the buyers created, the attempts, the settling of card payments and the
 * audit, with the moments the attempts started and the first two phases ended.
 */
async function play(
  options: OnsaleOptions, clock: Clock, send: Send,
  who: { buyers: OnsaleSummary['buyers']; buyerId: (i: number) => string; balance: number }, attempts: Attempts,
): Promise<{
  attemptsStartMs: number; bookingEndMs: number; settleEndMs: number; unsettled: number;
  audit: { bookings: AuditedBooking[]; result: AuditResult | null };
}> {
  const buyersStartMs = clock.now();
  await createBuyers(options, send, who.buyerId, who.balance, who.buyers);
  const attemptsStartMs = clock.now();
  who.buyers.ms = attemptsStartMs - buyersStartMs;
  await attempts.run();
  const bookingEndMs = clock.now();
  // Once the server is gone nothing more can be learnt from it; after an interrupt the audit still runs (it is
  // quick) but waiting for card payments does not.
  const settle = !attempts.serverGone && options.signal?.aborted !== true;
  const unsettled = settle
    ? await settleCards(options, clock, send, attempts)
    : attempts.made.filter((b) => b.plan === 'card' && b.status === 'held').length;
  const settleEndMs = clock.now();
  const audit = attempts.serverGone ? { bookings: [], result: null } : await auditRun(options, send, attempts.made);
  return { attemptsStartMs, bookingEndMs, settleEndMs, unsettled, audit };
}

async function readCategory(options: OnsaleOptions, send: Send): Promise<{ categoryId: string; price: number }> {
  const answer = await send({ method: 'GET', path: `/v1/shows/${encodeURIComponent(options.showId)}` });
  if (answer.kind === 'network-error') {
    throw new OnsaleSetupError('ERR_ONSALE_UNREACHABLE', `cannot reach ${options.url}: ${answer.message}`);
  }
  if (answer.status !== 200) {
    throw new OnsaleSetupError('ERR_ONSALE_SHOW', `GET /v1/shows/${options.showId} answered ${answer.status} ${errorCode(answer)}`);
  }
  const categories = isRecord(answer.body) && Array.isArray(answer.body.categories) ? answer.body.categories.filter(isRecord) : [];
  const category = options.categoryId === undefined ? categories[0] : categories.find((c) => c.id === options.categoryId);
  if (category === undefined || typeof category.id !== 'string' || typeof category.price !== 'number') {
    const which = options.categoryId === undefined ? 'no category' : `no category '${options.categoryId}'`;
    throw new OnsaleSetupError('ERR_ONSALE_SHOW', `show '${options.showId}' has ${which}`);
  }
  return { categoryId: category.id, price: category.price };
}

async function createBuyers(
  options: OnsaleOptions, send: Send, buyerId: (i: number) => string, balance: number, buyers: OnsaleSummary['buyers'],
): Promise<void> {
  await forEachBounded(options.buyerCount, options.concurrency, () => options.signal?.aborted === true, async (i) => {
    const id = buyerId(i + 1);
    const answer = await send({
      method: 'PUT', path: `/v1/customers/${id}`, body: { name: `On-sale buyer ${i + 1}`, tier: 'standard', balance },
    });
    if (answer.kind === 'answered' && (answer.status === 201 || answer.status === 200)) {
      buyers.created++;
      return;
    }
    buyers.failed++;
    buyers.firstProblem ??= answer.kind === 'answered'
      ? `PUT /v1/customers/${id} answered ${answer.status} ${errorCode(answer)}`
      : answer.message;
  });
  if (buyers.created === 0 && buyers.failed > 0) {
    throw new OnsaleSetupError('ERR_ONSALE_UNREACHABLE', `no buyer could be created: ${buyers.firstProblem ?? 'no answer'}`);
  }
}

/**
 * Reads every booking of the run, then the show (sold only grows by confirmations, which have settled by now, so
 * the two reads agree), and audits them.
 */
async function auditRun(
  options: OnsaleOptions, send: Send, made: readonly MadeBooking[],
): Promise<{ bookings: AuditedBooking[]; result: AuditResult | null }> {
  const bookings: AuditedBooking[] = [];
  let unread = 0;
  await forEachBounded(made.length, options.concurrency, () => false, async (i) => {
    const answer = await send({ method: 'GET', path: `/v1/bookings/${encodeURIComponent(made[i]!.id)}` });
    const read = answer.kind === 'answered' && answer.status === 200 ? readBooking(answer.body) : undefined;
    if (read === undefined) unread++;
    else bookings.push(read);
  });
  const show = await send({ method: 'GET', path: `/v1/shows/${encodeURIComponent(options.showId)}` });
  if (show.kind !== 'answered' || show.status !== 200) return { bookings, result: null };
  return { bookings, result: auditOnsale(show.body, bookings, unread) };
}

function countPlans(plans: readonly BuyerPlan[]): Record<BuyerPlan, number> {
  const counts: Record<BuyerPlan, number> = { wallet: 0, card: 0, abandon: 0 };
  for (const plan of plans) counts[plan]++;
  return counts;
}

function sortedCounts(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** Reports progress every `progressIntervalMs`, from the first buyer created, until the returned function is called. */
function startProgress(
  options: OnsaleOptions, clock: Clock, buyers: OnsaleSummary['buyers'], attempts: Attempts,
): () => void {
  const onProgress = options.onProgress;
  if (onProgress === undefined) return () => {};
  const startMs = clock.now();
  const tick = (): void => {
    onProgress({
      elapsedMs: clock.now() - startMs, buyers: buyers.created + buyers.failed, done: attempts.done,
      total: options.buyerCount, confirmed: attempts.confirmed, soldOut: attempts.soldOut, held: attempts.held,
    });
    timer = clock.setTimer(tick, options.progressIntervalMs);
  };
  let timer = clock.setTimer(tick, options.progressIntervalMs);
  return () => clock.clearTimer(timer);
}

const LIMITS: ReadonlyArray<readonly [keyof OnsaleOptions, number, number]> = [
  ['buyerCount', 1, 100_000], ['concurrency', 1, 1_024], ['quantity', 1, 100], ['seed', 0, 2 ** 32 - 1],
  ['requestTimeoutMs', 1, 3_600_000], ['retryAttemptsMax', 0, 100], ['retryAfterMaxMs', 0, 3_600_000],
  ['settleRoundsMax', 0, 100_000], ['settleIntervalMs', 1, 3_600_000], ['settleTimeoutMs', 0, 86_400_000],
  ['networkErrorsInARowMax', 1, 100_000], ['latencySamplesMax', 1, 10_000_000], ['progressIntervalMs', 1, 3_600_000],
];

function validateOptions(options: OnsaleOptions): void {
  for (const [name, min, max] of LIMITS) {
    const value = options[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${typeof value === 'number' ? value : typeof value}`);
    }
  }
  const { cardShare, abandonShare } = options;
  if (!(cardShare >= 0 && abandonShare >= 0 && cardShare + abandonShare <= 1)) {
    throw new RangeError(`cardShare and abandonShare must be in [0, 1] and add up to at most 1, got ${cardShare} and ${abandonShare}`);
  }
}
