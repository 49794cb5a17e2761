import { describe, it, expect, onTestFailed } from 'vitest';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { sequentialIds } from '../../src/platform/ids.ts';
import { seededRandom, testSeed } from '../../src/platform/random.ts';
import { SimulatedCardProvider, type SimulatedProviderOptions, type WebhookDelivery } from '../../src/payments/simulated-provider.ts';
import { parseProviderEvent, paymentEventOf, type ProviderEvent } from '../../src/payments/provider.ts';
import { WebhookVerifier } from '../../src/payments/webhook-signature.ts';
import { createPayment, transitionPayment, type Payment } from '../../src/payments/payment.ts';

const secret = 'whsec_sim_0123456789abcdef';

interface Harness {
  clock: VirtualClock;
  provider: SimulatedCardProvider;
  deliveries: WebhookDelivery[];
  /** The events delivered so far, each verified against the signature and parsed as the webhook route would. */
  events(): ProviderEvent[];
}

function setup(patch: Partial<SimulatedProviderOptions> = {}): Harness {
  const clock = new VirtualClock(1_764_421_200_000);
  const deliveries: WebhookDelivery[] = [];
  const verifier = new WebhookVerifier({ secret, clock, toleranceMs: 300_000, replayMemoryMax: 100_000 });
  const provider = new SimulatedCardProvider({
    clock, random: seededRandom(1), ids: sequentialIds(), secret, delayMs: 500, failureRate: 0, pendingMax: 100,
    rememberedMax: 1_000, deliveryAttemptsMax: 3, sink: (delivery) => void deliveries.push(delivery), ...patch,
  });
  const events = (): ProviderEvent[] =>
    deliveries.map((d) => {
      const verdict = verifier.verify(d.body, d.signature);
      if (!verdict.ok) throw new Error(`delivery refused: ${verdict.reason}`);
      const event = parseProviderEvent(d.body);
      if (event === undefined) throw new Error(`not an event: ${d.body}`);
      return event;
    });
  return { clock, provider, deliveries, events };
}

const charge = (n: number, amount = 1_000): { paymentId: string; amount: number; currency: string; idempotencyKey: string } =>
  ({ paymentId: `pay-${n}`, amount, currency: 'EUR', idempotencyKey: `key-${n}` });

/** Lets the sink's promise callbacks run (no time passes: this is a turn of the event loop, not a sleep). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SimulatedCardProvider: charges', () => {
  it('accepts at once and delivers a signed outcome exactly delayMs later', async () => {
    const h = setup();
    const start = h.clock.now();
    expect(await h.provider.charge(charge(1))).toEqual({ providerTransactionId: 'txn-1', duplicate: false });
    h.clock.advanceTo(start + 499);
    expect(h.deliveries).toHaveLength(0);
    h.clock.advanceTo(start + 500);
    expect(h.events()).toEqual([
      { type: 'charge.succeeded', id: 'evt-2', paymentId: 'pay-1', providerTransactionId: 'txn-1', amount: 1_000, createdAt: start + 500 },
    ]);
  });

  it('drives a payment from pending to succeeded through the webhook path', async () => {
    const h = setup();
    let payment: Payment = createPayment({ id: 'pay-1', bookingId: 'bk-1', method: 'card', amount: 1_000, currency: 'EUR', at: h.clock.now() });
    const accepted = await h.provider.charge(charge(1));
    const step = (p: Payment, e: Parameters<typeof transitionPayment>[1]): Payment => {
      const r = transitionPayment(p, e);
      if (!r.ok) throw r.error;
      return r.payment;
    };
    payment = step(payment, { type: 'accepted', providerTransactionId: accepted.providerTransactionId, at: h.clock.now() });
    h.clock.advanceTo(h.clock.now() + 500);
    payment = step(payment, paymentEventOf(h.events()[0]!, h.clock.now()));
    expect(payment).toMatchObject({ status: 'succeeded', providerTransactionId: 'txn-1' });
  });

  it('the same idempotency key gives the same answer and one charge; another request with it is refused', async () => {
    const h = setup();
    const first = await h.provider.charge(charge(1));
    expect(await h.provider.charge(charge(1))).toEqual({ ...first, duplicate: true });
    await expect(h.provider.charge({ ...charge(1), amount: 2_000 })).rejects.toMatchObject({ code: 'ERR_IDEMPOTENCY_CONFLICT' });
    h.clock.advanceTo(h.clock.now() + 10_000);
    expect(h.deliveries).toHaveLength(1);
    expect(await h.provider.charge(charge(1))).toEqual({ ...first, duplicate: true });
  });

  it('refuses a charge over pendingMax, but still answers a retry of an accepted one', async () => {
    const h = setup({ pendingMax: 3 });
    for (const n of [1, 2, 3]) await h.provider.charge(charge(n));
    await expect(h.provider.charge(charge(4))).rejects.toMatchObject({ code: 'ERR_PROVIDER_BUSY' });
    expect((await h.provider.charge(charge(2))).duplicate).toBe(true);
    expect(h.provider.stats().waiting).toBe(3);
    h.clock.advanceTo(h.clock.now() + 500);
    expect(h.provider.stats().waiting).toBe(0);
    expect((await h.provider.charge(charge(4))).duplicate).toBe(false);
  });

  it.each([0, -1, 1.5])('refuses the amount %s', async (amount) => {
    await expect(setup().provider.charge(charge(1, amount))).rejects.toMatchObject({ code: 'ERR_INVALID_AMOUNT' });
  });

  it('fails every charge at rate 1 with card_declined', async () => {
    const h = setup({ failureRate: 1 });
    for (const n of [1, 2, 3]) await h.provider.charge(charge(n));
    h.clock.advanceTo(h.clock.now() + 500);
    expect(h.events().map((e) => (e.type === 'charge.failed' ? e.reason : e.type))).toEqual(['card_declined', 'card_declined', 'card_declined']);
  });

  it('fails a share of charges close to failureRate (binomial bound, seeded)', async () => {
    const seed = testSeed();
    onTestFailed(() => console.log(`replay with SEED=${seed}`));
    const chargesN = 2_000;
    const failureRate = 0.05;
    const h = setup({ failureRate, random: seededRandom(seed), pendingMax: chargesN });
    for (let n = 0; n < chargesN; n++) await h.provider.charge(charge(n));
    h.clock.advanceTo(h.clock.now() + 500);
    const failed = h.events().filter((e) => e.type === 'charge.failed').length;
    // Mean n·p = 100, standard deviation sqrt(n·p·(1−p)) ≈ 9.75: 5 deviations either way fail a correct provider
    // with probability below 1e-6.
    const sd = Math.sqrt(chargesN * failureRate * (1 - failureRate));
    expect(h.deliveries).toHaveLength(chargesN);
    expect(Math.abs(failed - chargesN * failureRate)).toBeLessThanOrEqual(5 * sd);
  });

  it('gives the same outcomes for the same seed', async () => {
    const outcomes = async (): Promise<string[]> => {
      const h = setup({ failureRate: 0.5, random: seededRandom(7) });
      for (let n = 0; n < 50; n++) await h.provider.charge(charge(n));
      h.clock.advanceTo(h.clock.now() + 500);
      return h.events().map((e) => e.type);
    };
    const first = await outcomes();
    expect(first).toContain('charge.failed');
    expect(first).toContain('charge.succeeded');
    expect(await outcomes()).toEqual(first);
  });
});

describe('SimulatedCardProvider: refunds', () => {
  async function succeeded(h: Harness): Promise<string> {
    const { providerTransactionId } = await h.provider.charge(charge(1));
    h.clock.advanceTo(h.clock.now() + 500);
    return providerTransactionId;
  }

  it('refunds in parts up to the amount, each confirmed delayMs later', async () => {
    const h = setup();
    const txn = await succeeded(h);
    const refund = { paymentId: 'pay-1', providerTransactionId: txn };
    expect(await h.provider.refund({ ...refund, amount: 400, idempotencyKey: 'r1' })).toMatchObject({ providerRefundId: 'refund-3', duplicate: false });
    expect(await h.provider.refund({ ...refund, amount: 600, idempotencyKey: 'r2' })).toMatchObject({ duplicate: false });
    await expect(h.provider.refund({ ...refund, amount: 1, idempotencyKey: 'r3' })).rejects.toMatchObject({ code: 'ERR_REFUND_EXCEEDS_PAID' });
    expect((await h.provider.refund({ ...refund, amount: 400, idempotencyKey: 'r1' })).duplicate).toBe(true);
    expect(h.deliveries).toHaveLength(1);
    h.clock.advanceTo(h.clock.now() + 500);
    expect(h.events().slice(1).map((e) => `${e.type}:${e.amount}`)).toEqual(['refund.succeeded:400', 'refund.succeeded:600']);
  });

  it('refuses refunds of a pending, a failed or an unknown transaction', async () => {
    const h = setup({ failureRate: 1 });
    const { providerTransactionId } = await h.provider.charge(charge(1));
    const refund = { paymentId: 'pay-1', providerTransactionId, amount: 100 };
    await expect(h.provider.refund({ ...refund, idempotencyKey: 'a' })).rejects.toMatchObject({ code: 'ERR_NOT_REFUNDABLE' });
    h.clock.advanceTo(h.clock.now() + 500);
    await expect(h.provider.refund({ ...refund, idempotencyKey: 'b' })).rejects.toMatchObject({ code: 'ERR_NOT_REFUNDABLE' });
    await expect(h.provider.refund({ ...refund, providerTransactionId: 'txn-x', idempotencyKey: 'c' }))
      .rejects.toMatchObject({ code: 'ERR_UNKNOWN_TRANSACTION' });
  });

  it('forgets the oldest settled transactions past rememberedMax, never a pending one', async () => {
    const h = setup({ rememberedMax: 2 });
    for (const n of [1, 2, 3]) await h.provider.charge(charge(n));
    expect(h.provider.stats().remembered).toBe(3);
    expect((await h.provider.charge(charge(1))).duplicate).toBe(true);
    h.clock.advanceTo(h.clock.now() + 500);
    await h.provider.charge(charge(4));
    expect(h.provider.stats().remembered).toBe(2);
    await expect(h.provider.refund({ paymentId: 'pay-1', providerTransactionId: 'txn-1', amount: 1, idempotencyKey: 'r' }))
      .rejects.toMatchObject({ code: 'ERR_UNKNOWN_TRANSACTION' });
  });
  it('keeps a transaction and its refund key while a refund is waiting, past rememberedMax', async () => {
    const h = setup({ rememberedMax: 1 });
    const txn = await succeeded(h);
    const refund = { paymentId: 'pay-1', providerTransactionId: txn, amount: 100, idempotencyKey: 'r1' };
    await h.provider.refund(refund);
    await h.provider.charge(charge(2));
    h.clock.advanceTo(h.clock.now() + 100);
    await h.provider.charge(charge(3));
    expect((await h.provider.refund(refund)).duplicate).toBe(true);
    h.clock.advanceTo(h.clock.now() + 1_000);
    await h.provider.charge(charge(4));
    expect(h.provider.stats().remembered).toBe(1);
    await expect(h.provider.refund({ ...refund, idempotencyKey: 'r2' })).rejects.toMatchObject({ code: 'ERR_UNKNOWN_TRANSACTION' });
  });
});

describe('SimulatedCardProvider: delivery', () => {
  it('retries a failing sink max(delayMs, 1 s) later, signed anew, up to deliveryAttemptsMax', async () => {
    const clock = new VirtualClock(1_764_421_200_000);
    const attempts: { atMs: number; signature: string }[] = [];
    const h = setup({
      clock,
      sink: (delivery) => {
        attempts.push({ atMs: clock.now(), signature: delivery.signature });
        return Promise.reject(new Error('webhook handler down'));
      },
    });
    const start = clock.now();
    await h.provider.charge(charge(1));
    for (let turn = 0; turn < 6; turn++) {
      clock.advanceTo(clock.now() + 500);
      await settle();
    }
    expect(attempts.map((a) => a.atMs - start)).toEqual([500, 1_500, 2_500]);
    expect(new Set(attempts.map((a) => a.signature)).size).toBe(3);
    expect(h.provider.stats()).toMatchObject({ delivered: 0, undelivered: 1, waiting: 0 });
  });

  it('a retry after the handler verified and then failed is not taken for a replay', async () => {
    const clock = new VirtualClock(1_764_421_200_000);
    const verifier = new WebhookVerifier({ secret, clock, toleranceMs: 300_000, replayMemoryMax: 10 });
    const verdicts: string[] = [];
    const h = setup({
      clock,
      delayMs: 0,
      sink: (delivery) => {
        const verdict = verifier.verify(delivery.body, delivery.signature);
        verdicts.push(verdict.ok ? 'ok' : verdict.reason);
        // The first time the handler fails after verifying (say, its store was busy); the second time it commits.
        return verdicts.length === 1 ? Promise.reject(new Error('store busy')) : Promise.resolve();
      },
    });
    await h.provider.charge(charge(1));
    for (let turn = 0; turn < 3; turn++) {
      clock.advanceTo(clock.now() + 1_000);
      await settle();
    }
    expect(verdicts).toEqual(['ok', 'ok']);
    expect(h.provider.stats()).toMatchObject({ delivered: 1, undelivered: 0 });
  });

  it('counts a delivery once the sink resolves', async () => {
    const h = setup({ sink: async () => undefined });
    await h.provider.charge(charge(1));
    h.clock.advanceTo(h.clock.now() + 500);
    await settle();
    expect(h.provider.stats()).toMatchObject({ delivered: 1, undelivered: 0 });
  });
});

describe('SimulatedCardProvider: options', () => {
  it.each([
    ['delayMs', -1], ['delayMs', 60_001], ['delayMs', 1.5],
    ['failureRate', -0.01], ['failureRate', 1.01], ['failureRate', Number.NaN],
    ['pendingMax', 0], ['rememberedMax', 0], ['deliveryAttemptsMax', 0], ['deliveryAttemptsMax', 101],
    ['secret', 'short'],
  ] as const)('refuses %s = %s', (option, value) => {
    expect(() => setup({ [option]: value })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining(option) }));
  });

  it('accepts the edges 0 and 60,000 ms, rates 0 and 1', () => {
    for (const patch of [{ delayMs: 0 }, { delayMs: 60_000 }, { failureRate: 0 }, { failureRate: 1 }]) {
      expect(setup(patch).provider.stats().waiting).toBe(0);
    }
  });
});
