/** Topping up the simulated customers before a run: who gets what, what is left alone, and failures counted. */
import { describe, expect, it } from 'vitest';
import { TAP_COST_MAX, topUpWallets } from '../../src/cli/wallet-top-up.ts';
import { AMOUNT_MAX } from '../../src/domain/types.ts';

interface Sent {
  method: string;
  url: string;
  body?: unknown;
}

/** A fake server holding balances; `refuse` names customers whose top-up it answers 503. */
function fakeWallets(balances: Record<string, number>, refuse: string[] = []) {
  const sent: Sent[] = [];
  const fetch = (url: string, init: RequestInit): Promise<Response> => {
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    sent.push({ method: init.method ?? 'GET', url, ...(body === undefined ? {} : { body }) });
    const id = /\/v1\/customers\/([^/]+)/.exec(url)?.[1] ?? '';
    if (!(id in balances)) return Promise.resolve(Response.json({ error: { code: 'unknown_customer', message: 'no' } }, { status: 404 }));
    if (init.method === 'POST') {
      if (refuse.includes(id)) return Promise.resolve(new Response(null, { status: 503 }));
      balances[id]! += (body as { amount: number }).amount;
      return Promise.resolve(Response.json({ status: 'applied', customer: { id, balance: balances[id] } }, { status: 201 }));
    }
    return Promise.resolve(Response.json({ id, balance: balances[id] }));
  };
  return { fetch, sent, balances };
}

describe('topUpWallets', () => {
  it('tops each wallet up to what the run could cost it at the dearest peak price, and leaves richer ones alone', async () => {
    const server = fakeWallets({ 'customer-1': 10_000, 'customer-2': 50_000_000 });
    // 1,000 taps over two customers: 450 valid taps each at most.
    const result = await topUpWallets({
      url: 'http://t', adminToken: 'tkd_admin', customerIds: ['customer-1', 'customer-2'], tapsMax: 1_000, runId: 'r1', fetch: server.fetch,
    });
    const need = 450 * TAP_COST_MAX;
    expect(TAP_COST_MAX).toBe(2_500); // ride-e's 20.00 EUR at the 1.25 afternoon peak
    expect(result).toEqual({ toppedUp: 1, cents: need - 10_000, failed: 0 });
    expect(server.balances['customer-1']).toBe(need);
    expect(server.sent.filter((s) => s.method === 'POST')).toEqual([
      { method: 'POST', url: 'http://t/v1/customers/customer-1/top-ups', body: { topUpId: 'sim-r1-customer-1', amount: need - 10_000 } },
    ]);
  });

  it('never takes a balance past the ceiling of every amount', async () => {
    const server = fakeWallets({ 'customer-1': AMOUNT_MAX - 100 });
    const result = await topUpWallets({
      url: 'http://t', adminToken: 'a', customerIds: ['customer-1'], tapsMax: 10_000_000, runId: 'r2', fetch: server.fetch,
    });
    expect(result).toEqual({ toppedUp: 1, cents: 100, failed: 0 });
    expect(server.balances['customer-1']).toBe(AMOUNT_MAX);
  });

  it('counts what it could not do, with the first reason, and goes on with the others', async () => {
    const server = fakeWallets({ 'customer-1': 0, 'customer-3': 0 }, ['customer-3']);
    const result = await topUpWallets({
      url: 'http://t', adminToken: 'a', customerIds: ['customer-1', 'customer-2', 'customer-3'], tapsMax: 30, runId: 'r3', fetch: server.fetch,
    });
    expect(result).toEqual({
      toppedUp: 1, cents: 9 * TAP_COST_MAX, failed: 2, firstProblem: 'GET /v1/customers/customer-2 answered 404',
    });
  });
});
