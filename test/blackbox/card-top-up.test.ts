/**
 * Black-box: a customer tops up their own wallet by card against the real binary. The answer is 202 `pending`; the
 * simulated provider's signed webhook (in-process, through the real route) decides a moment later: the wallet is
 * credited and `balance.changed` reaches the customer's stream, or, with every card declined, nothing is credited
 * and the top-up says why.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openEventStream, readCredentials, startBinary, type RunningBinary } from './binary.ts';

interface CardTopUp { topUpId: string; status: string; failureReason?: string; amount: number }

const POLLS_MAX = 100;

/** Reads the top-up until it is decided (bounded in count; each read is a real request). */
async function decided(url: string, token: string, topUpId: string): Promise<CardTopUp> {
  for (let polls = 0; polls < POLLS_MAX; polls++) {
    const { body } = await api<{ topUp: CardTopUp }>(`${url}/v1/me/top-ups/${topUpId}`, 'GET', undefined, { token });
    if (body.topUp.status !== 'pending') return body.topUp;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`top-up ${topUpId} still pending after ${POLLS_MAX} reads`);
}

async function balanceOf(url: string, token: string): Promise<number> {
  return (await api<{ customer: { balance: number } }>(`${url}/v1/me`, 'GET', undefined, { token })).body.customer.balance;
}

function serving(failureRate: string): { ticketd: RunningBinary; token: () => string } {
  const world = {} as { ticketd: RunningBinary; token: () => string };
  beforeAll(async () => {
    world.ticketd = await startBinary({ args: ['--card-delay-ms', '100', '--card-failure-rate', failureRate] });
    world.token = () => readCredentials(world.ticketd.dataDir).customers['customer-1']!;
  }, 30_000);
  afterAll(async () => {
    expect(await world.ticketd.stop('SIGTERM')).toBe(0);
    fs.rmSync(world.ticketd.dataDir, { recursive: true, force: true });
  }, 30_000);
  return world;
}

describe('a top-up by card, every card accepted', () => {
  const world = serving('0');

  it('is pending, then credits the wallet once and tells the stream', async () => {
    const { url } = world.ticketd;
    const token = world.token();
    const before = await balanceOf(url, token);
    const stream = openEventStream(`${url}/v1/customers/customer-1/events`, { headers: { authorization: `Bearer ${token}` } });
    await stream.connected;
    try {
      const asked = await api<{ topUp: CardTopUp }>(`${url}/v1/me/top-ups`, 'POST', { topUpId: 'bb-card-1', amount: 2_500 }, { token });
      expect(asked.status).toBe(202);
      expect(asked.body.topUp).toMatchObject({ topUpId: 'bb-card-1', status: 'pending', amount: 2_500, paymentId: 'top-up:bb-card-1' });
      expect(await balanceOf(url, token)).toBe(before);
      const changed = await stream.waitFor((e) => e.event === 'balance.changed', 10_000);
      expect(changed.data).toMatchObject({ balance: before + 2_500, change: 2_500, cause: { kind: 'top-up', topUpId: 'bb-card-1' } });
      expect(await decided(url, token, 'bb-card-1')).toMatchObject({ status: 'succeeded' });
      // Asked again, it is the same top-up, decided; nothing more is credited.
      const again = await api<{ topUp: CardTopUp }>(`${url}/v1/me/top-ups`, 'POST', { topUpId: 'bb-card-1', amount: 2_500 }, { token });
      expect([again.status, again.body.topUp.status]).toEqual([200, 'succeeded']);
      expect(await balanceOf(url, token)).toBe(before + 2_500);
      // Another customer cannot read it.
      const other = readCredentials(world.ticketd.dataDir).customers['customer-2']!;
      expect((await api(`${url}/v1/me/top-ups/bb-card-1`, 'GET', undefined, { token: other })).status).toBe(404);
    } finally {
      stream.close();
    }
  }, 30_000);
});

describe('a top-up by card, every card declined', () => {
  const world = serving('1');

  it('credits nothing and says the card was declined', async () => {
    const { url } = world.ticketd;
    const token = world.token();
    const before = await balanceOf(url, token);
    const asked = await api<{ topUp: CardTopUp }>(`${url}/v1/me/top-ups`, 'POST', { topUpId: 'bb-card-2', amount: 2_500 }, { token });
    expect(asked.status).toBe(202);
    expect(await decided(url, token, 'bb-card-2')).toMatchObject({ status: 'failed', failureReason: 'card_declined' });
    expect(await balanceOf(url, token)).toBe(before);
  }, 30_000);
});

describe('a top-up by card pending when ticketd stops', () => {
  it('is asked about again at the next start and credited once', async () => {
    // The provider takes a minute to answer: the stop comes first.
    const first = await startBinary({ args: ['--card-delay-ms', '60000', '--card-failure-rate', '0'] });
    const { dataDir } = first;
    try {
      const token = readCredentials(dataDir).customers['customer-1']!;
      const before = await balanceOf(first.url, token);
      const asked = await api<{ topUp: CardTopUp }>(`${first.url}/v1/me/top-ups`, 'POST', { topUpId: 'bb-card-3', amount: 1_500 }, { token });
      expect([asked.status, asked.body.topUp.status]).toEqual([202, 'pending']);
      expect(await first.stop('SIGTERM')).toBe(0);

      const second = await startBinary({ dataDir, args: ['--card-delay-ms', '100', '--card-failure-rate', '0'] });
      try {
        const again = readCredentials(dataDir).customers['customer-1']!;
        expect(await decided(second.url, again, 'bb-card-3')).toMatchObject({ status: 'succeeded' });
        expect(await balanceOf(second.url, again)).toBe(before + 1_500);
        expect(`${second.stdout()}${second.stderr()}`).toContain('asked the card provider again about pending top-ups');
      } finally {
        expect(await second.stop('SIGTERM')).toBe(0);
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
