/**
 * Customers' own top-ups by card (CardTopUps over the real store and the simulated provider, in virtual time): the
 * top-up is pending until the provider's webhook; a success credits the wallet once through the ledger's top-up,
 * a decline credits nothing; repeats, retried webhooks and reopening the store change nothing twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CardTopUps } from '../../src/payments/card-top-ups.ts';
import { parseProviderEvent, type ProviderEvent } from '../../src/payments/provider.ts';
import { SimulatedCardProvider } from '../../src/payments/simulated-provider.ts';
import { sequentialIds } from '../../src/platform/ids.ts';
import { seededRandom } from '../../src/platform/random.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { AMOUNT_MAX } from '../../src/domain/types.ts';
import { makeHarness, T0, type Harness } from '../store/helpers.ts';

const SECRET = 'whsec_card_top_ups_0123456789';
let harness: Harness | undefined;

afterEach(() => {
  harness?.cleanup();
  harness = undefined;
});

function setup(failureRate = 0) {
  const h = makeHarness();
  harness = h;
  const clock = new VirtualClock(T0);
  const events: ProviderEvent[] = [];
  const provider = new SimulatedCardProvider({
    clock, random: seededRandom(7), ids: sequentialIds(), secret: SECRET, delayMs: 500, failureRate, pendingMax: 100,
    rememberedMax: 1_000, deliveryAttemptsMax: 3, sink: ({ body }) => void events.push(parseProviderEvent(body)!),
  });
  h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard', balance: 1_000 }, T0);
  const credited: string[] = [];
  const topUps = new CardTopUps({
    store: h.store.cardTopUps, provider, clock,
    credit: async (customerId, topUpId, amount, context) => {
      credited.push(topUpId);
      return h.store.topUp(customerId, topUpId, amount, clock.now(), context.requestId);
    },
    currencyOf: (id) => h.store.getCustomer(id)?.currency,
  });
  const balance = () => h.store.getCustomer('c1')!.balance;
  /** Lets the provider's timers fire and applies what it delivered, like the webhook route. */
  const deliver = async () => {
    clock.advanceTo(clock.now() + 500);
    const delivered = events.splice(0);
    return Promise.all(delivered.map((event) => topUps.apply(event, { requestId: 'req-webhook' })));
  };
  return { h, clock, topUps, provider, events, credited, balance, deliver };
}

describe('CardTopUps', () => {
  it('is pending until the webhook, then credits the wallet once', async () => {
    const w = setup();
    const begun = await w.topUps.begin('c1', 'phone-1', 2_000);
    expect(begun.created).toBe(true);
    expect(begun.topUp).toMatchObject({ topUpId: 'phone-1', customerId: 'c1', amount: 2_000, currency: 'EUR', paymentId: 'top-up:phone-1', status: 'pending' });
    expect(w.balance()).toBe(1_000);
    expect(await w.deliver()).toEqual([{ applied: true }]);
    expect(w.balance()).toBe(3_000);
    expect(w.topUps.get('c1', 'phone-1')).toMatchObject({ status: 'succeeded', settledAt: new Date(T0 + 500).toISOString() });
    // The same request again is the same top-up, as it is now; nothing is charged twice.
    expect(await w.topUps.begin('c1', 'phone-1', 2_000)).toMatchObject({ created: false, topUp: { status: 'succeeded' } });
    expect(await w.deliver()).toEqual([]);
    expect(w.balance()).toBe(3_000);
  });

  it('a declined card credits nothing and says why', async () => {
    const w = setup(1);
    await w.topUps.begin('c1', 'phone-2', 2_000);
    expect(await w.deliver()).toEqual([{ applied: true }]);
    expect(w.balance()).toBe(1_000);
    expect(w.credited).toEqual([]);
    expect(w.topUps.get('c1', 'phone-2')).toMatchObject({ status: 'failed', failureReason: 'card_declined' });
  });

  it('a webhook delivered twice, or after the store reopened, credits once', async () => {
    const w = setup();
    await w.topUps.begin('c1', 'phone-3', 500);
    w.clock.advanceTo(w.clock.now() + 500);
    const [event] = w.events.splice(0);
    expect(await w.topUps.apply(event!)).toEqual({ applied: true });
    w.h.reopen();
    const reopened = new CardTopUps({
      store: w.h.store.cardTopUps, provider: w.provider, clock: w.clock, currencyOf: () => 'EUR',
      credit: async (customerId, topUpId, amount) => w.h.store.topUp(customerId, topUpId, amount, w.clock.now()),
    });
    expect(await reopened.apply(event!)).toEqual({ applied: false });
    expect(w.h.store.getCustomer('c1')!.balance).toBe(1_500);
  });

  it('refuses a topUpId used for another amount or customer, or at the desk', async () => {
    const w = setup();
    w.h.store.upsertCustomer('c2', { name: 'Bea', tier: 'standard' }, T0);
    await w.topUps.begin('c1', 'phone-4', 500);
    await expect(w.topUps.begin('c1', 'phone-4', 600)).rejects.toMatchObject({ code: 'ERR_TOPUP_CONFLICT' });
    await expect(w.topUps.begin('c2', 'phone-4', 500)).rejects.toMatchObject({ code: 'ERR_TOPUP_CONFLICT' });
    w.h.store.topUp('c1', 'desk-1', 100, T0);
    await expect(w.topUps.begin('c1', 'desk-1', 100)).rejects.toMatchObject({ code: 'ERR_TOPUP_CONFLICT' });
    await expect(w.topUps.begin('nobody', 'phone-5', 100)).rejects.toMatchObject({ code: 'ERR_UNKNOWN_CUSTOMER' });
    // Another customer's top-up is not theirs to read.
    expect(w.topUps.get('c2', 'phone-4')).toBeUndefined();
  });

  it('a charge the wallet cannot hold fails and is refunded to the card', async () => {
    const w = setup();
    w.h.store.topUp('c1', 'desk-fill', AMOUNT_MAX - 1_000 - 100, T0);
    await w.topUps.begin('c1', 'phone-6', 500);
    expect(await w.deliver()).toEqual([{ applied: true }]);
    expect(w.topUps.get('c1', 'phone-6')).toMatchObject({ status: 'failed', failureReason: 'balance_limit' });
    // The provider's refund follows; for a top-up it changes nothing more.
    w.clock.advanceTo(w.clock.now() + 500);
    const [refund] = w.events.splice(0);
    expect(refund).toMatchObject({ type: 'refund.succeeded', paymentId: 'top-up:phone-6', amount: 500 });
    expect(await w.topUps.apply(refund!)).toEqual({ applied: false });
    expect(w.balance()).toBe(AMOUNT_MAX - 100);
  });

  it('asks the provider again after a restart about what was pending, and credits each once', async () => {
    const w = setup();
    await w.topUps.begin('c1', 'phone-7', 700);
    await w.topUps.begin('c1', 'phone-8', 800);
    // The process stops before the provider answers: the reopened store still has both pending; a new provider
    // (the simulated one remembers nothing) and the same store.
    w.h.reopen();
    const events: ProviderEvent[] = [];
    const provider = new SimulatedCardProvider({
      clock: w.clock, random: seededRandom(8), ids: sequentialIds(), secret: SECRET, delayMs: 500, failureRate: 0, pendingMax: 100,
      rememberedMax: 1_000, deliveryAttemptsMax: 3, sink: ({ body }) => void events.push(parseProviderEvent(body)!),
    });
    const restarted = new CardTopUps({
      store: w.h.store.cardTopUps, provider, clock: w.clock, currencyOf: () => 'EUR',
      credit: async (customerId, topUpId, amount) => w.h.store.topUp(customerId, topUpId, amount, w.clock.now()),
    });
    expect(w.h.store.cardTopUps.pendingPage('', 10).map((t) => t.topUpId)).toEqual(['phone-7', 'phone-8']);
    expect(await restarted.resume()).toBe(2);
    w.clock.advanceTo(w.clock.now() + 500);
    // The first provider's answers, were they to come now, are the same charges: each top-up is credited once.
    for (const event of [...events, ...w.events.splice(0)]) await restarted.apply(event);
    expect(w.h.store.getCustomer('c1')!.balance).toBe(1_000 + 700 + 800);
    expect(w.h.store.cardTopUps.pendingPage('', 10)).toEqual([]);
    expect(await restarted.resume()).toBe(0);
  });

  it('is succeeded once credited by a ledger elsewhere (another node owning the customer)', async () => {
    const w = setup();
    const elsewhere: Array<[string, number]> = [];
    const remote = new CardTopUps({
      store: w.h.store.cardTopUps, provider: w.provider, clock: w.clock, currencyOf: () => 'EUR',
      credit: async (customerId, topUpId, amount) => {
        elsewhere.push([topUpId, amount]);
        // What the owner's ledger answers: its own wallet, and the event it appended to its own log.
        const customer = { ...w.h.store.getCustomer(customerId)!, balance: 9_999 };
        const data = { customerId, balance: 9_999, currency: customer.currency, change: amount, cause: { kind: 'top-up' as const, topUpId } };
        return { status: 'applied' as const, customer, notification: { id: 77, customerId, type: 'balance.changed' as const, data, createdAt: new Date(T0).toISOString() } };
      },
    });
    await remote.begin('c1', 'phone-9', 900);
    w.clock.advanceTo(w.clock.now() + 500);
    expect(await Promise.all(w.events.splice(0).map((event) => remote.apply(event)))).toEqual([{ applied: true }]);
    expect(elsewhere).toEqual([['phone-9', 900]]);
    // This database's wallet is not the one credited; the top-up says succeeded all the same, and is not resumed.
    expect(w.balance()).toBe(1_000);
    expect(remote.get('c1', 'phone-9')).toMatchObject({ status: 'succeeded', settledAt: new Date(T0 + 500).toISOString() });
    expect(await remote.resume()).toBe(0);
  });

  it('tells its payments from bookings\' and refuses an unknown one', async () => {
    const w = setup();
    expect(w.topUps.owns('top-up:phone-1')).toBe(true);
    expect(w.topUps.owns('pay-1')).toBe(false);
    await expect(w.topUps.apply({ type: 'charge.succeeded', id: 'evt-x', paymentId: 'top-up:nope', providerTransactionId: 'txn-x', amount: 1, createdAt: T0 }))
      .rejects.toMatchObject({ code: 'ERR_UNKNOWN_TOPUP' });
  });
});
