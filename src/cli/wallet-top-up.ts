/**
 * Before `ticketd simulate` sends its taps: tops up the simulated customers' wallets, with the admin token, so that
 * the run's valid taps can be issued instead of running into `insufficient_funds` within a second (the demo's
 * customers hold 100.00 EUR each). Each wallet gets what the run could spend on it at the dearest demo ride at its
 * peak price, less what it already holds; a top-up id per run and customer makes a retried run's top-up idempotent.
 */
import { demoPark } from '../domain/demo-park.ts';
import { AMOUNT_MAX } from '../domain/types.ts';
import type { FetchLike } from './http-client.ts';

/** The most customers topped up before a run (one GET and at most one POST each); more are left as they are. */
export const TOP_UP_CUSTOMERS_MAX = 1_000;
/** Share of the simulation's taps that are valid (see the mix in simulate's usage): 80 % unsigned + 10 % signed. */
const VALID_SHARE = 0.9;

const PARK = demoPark('');
/** The dearest demo ride at the dearest peak multiplier, in cents: what one valid tap may cost at most. */
export const TAP_COST_MAX = Math.ceil(
  Math.max(...PARK.rides.map((ride) => ride.price)) *
    Math.max(10_000, ...PARK.pricing.peakWindows.map((w) => w.multiplierBp)) / 10_000,
);

export interface WalletTopUpOptions {
  url: string;
  adminToken: string;
  customerIds: readonly string[];
  /** Taps the run will send at most (rate × duration). */
  tapsMax: number;
  /** Part of each top-up id, so that a retried run tops up once and another run tops up again. */
  runId: string;
  fetch: FetchLike;
}

export interface WalletTopUpResult {
  /** Wallets topped up, and by how much in all (cents). */
  toppedUp: number;
  cents: number;
  /** Wallets that could not be read or topped up, and the first reason. */
  failed: number;
  firstProblem?: string;
}

/**
 * @example
 * const result = await topUpWallets({ url, adminToken, customerIds: ['customer-1'], tapsMax: 20_000, runId: 'a1b2', fetch });
 * // { toppedUp: 1, cents: 4_490_000, failed: 0 }
 */
export async function topUpWallets(options: WalletTopUpOptions): Promise<WalletTopUpResult> {
  const { url, adminToken, customerIds, fetch } = options;
  const perCustomer = Math.ceil((options.tapsMax * VALID_SHARE) / Math.max(1, customerIds.length));
  const need = Math.min(AMOUNT_MAX, perCustomer * TAP_COST_MAX);
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const result: WalletTopUpResult = { toppedUp: 0, cents: 0, failed: 0 };
  const fail = (problem: string): void => {
    result.failed++;
    result.firstProblem ??= problem;
  };
  for (const id of customerIds.slice(0, TOP_UP_CUSTOMERS_MAX)) {
    try {
      const read = await fetch(`${url}/v1/customers/${id}`, { method: 'GET', headers });
      if (read.status !== 200) {
        fail(`GET /v1/customers/${id} answered ${read.status}`);
        continue;
      }
      const { balance } = (await read.json()) as { balance: number };
      const amount = Math.min(need - balance, AMOUNT_MAX - balance);
      if (amount < 1) continue;
      const topUp = await fetch(`${url}/v1/customers/${id}/top-ups`, {
        method: 'POST', headers, body: JSON.stringify({ topUpId: `sim-${options.runId}-${id}`, amount }),
      });
      if (topUp.status !== 201 && topUp.status !== 200) {
        fail(`POST /v1/customers/${id}/top-ups answered ${topUp.status}`);
        continue;
      }
      result.toppedUp++;
      result.cents += amount;
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
    }
  }
  return result;
}
