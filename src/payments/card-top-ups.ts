/**
 * A customer tops up their own wallet by card (`POST /v1/me/top-ups`): the top-up is recorded `pending`, the card
 * provider is asked to charge, and its signed webhook decides. `charge.succeeded` credits the wallet through the
 * ledger's ordinary top-up under the same `topUpId` (the customer hears `balance.changed` on their stream, like any
 * top-up); `charge.failed` marks it failed with the provider's reason and nothing is credited. Every step is
 * idempotent on the `topUpId`, so a repeated request, a retried webhook or a webhook after a restart changes nothing
 * twice. A top-up at the desk (`POST /v1/customers/{id}/top-ups`, staff) stays immediate: cash needs no provider.
 */
import type { Clock } from '../platform/clock.ts';
import type { CardTopUp, CardTopUpStore } from '../store/card-top-ups.ts';
import { StoreError } from '../store/store-error.ts';
import type { TopUpResult } from '../store/store-types.ts';
import { PaymentError } from './payment-error.ts';
import type { PaymentProvider, ProviderEvent } from './provider.ts';

/** The provider's payment ids of card top-ups: never a booking payment's (those have no colon). */
const PAYMENT_PREFIX = 'top-up:';
/** Pending top-ups read at once when a start asks the provider about them again. */
const RESUME_PAGE = 500;

export interface CardTopUpsOptions {
  store: Pick<CardTopUpStore, 'begin' | 'get' | 'byPayment' | 'succeed' | 'fail' | 'pendingPage'>;
  provider: PaymentProvider;
  /**
   * The ledger's top-up (EngineApi.topUp): credits once per topUpId; rejects with an error whose `code` is
   * `ERR_BALANCE_LIMIT` when the wallet cannot hold it.
   */
  credit: (customerId: string, topUpId: string, amount: number, context: { requestId?: string }) => Promise<TopUpResult>;
  currencyOf: (customerId: string) => string | undefined;
  clock: Clock;
}

/**
 * @example
 * const topUps = new CardTopUps({ store: store.cardTopUps, provider, credit: (...a) => engine.topUp(...a), currencyOf, clock });
 * const { topUp } = await topUps.begin('customer-1', 'phone-7f3a', 2_000); // pending
 * // the provider's webhook → topUps.owns(event.paymentId) → await topUps.apply(event) → succeeded, wallet credited
 */
export class CardTopUps {
  readonly #o: CardTopUpsOptions;

  constructor(options: CardTopUpsOptions) {
    this.#o = options;
  }

  /**
   * Records the top-up and asks the provider to charge the card; answers it `pending` (`created: true`), or the one
   * begun before under this id as it is now. Throws StoreError `ERR_UNKNOWN_CUSTOMER` or `ERR_TOPUP_CONFLICT`, and
   * PaymentError when the provider refuses the request (the top-up is then `failed`, with the provider's code).
   */
  async begin(customerId: string, topUpId: string, amount: number): Promise<{ topUp: CardTopUp; created: boolean }> {
    const currency = this.#o.currencyOf(customerId);
    if (currency === undefined) throw new StoreError('ERR_UNKNOWN_CUSTOMER', `no customer ${customerId}`);
    const paymentId = `${PAYMENT_PREFIX}${topUpId}`;
    const begun = this.#o.store.begin({ topUpId, customerId, amount, currency, paymentId }, this.#o.clock.now());
    if (!begun.created) return begun;
    await this.#charge(begun.topUp);
    return begun;
  }

  /** Asks the provider to charge; a refusal fails the top-up with the provider's code, and is thrown on. */
  async #charge(topUp: CardTopUp): Promise<void> {
    const { paymentId, amount, currency } = topUp;
    try {
      // The payment id is the idempotency key: a charge asked for twice is charged once.
      await this.#o.provider.charge({ paymentId, amount, currency, idempotencyKey: paymentId });
    } catch (error) {
      const reason = error instanceof PaymentError ? error.code : 'provider_error';
      this.#o.store.fail(topUp.topUpId, reason, this.#o.clock.now());
      throw error;
    }
  }

  /**
   * At a start: asks the provider again about every top-up still pending, with the same idempotency key, as the box
   * office does for its card payments. A provider that saw the charge answers it as a duplicate and its webhook
   * decides as before; one that did not (the simulated provider keeps nothing across a restart) charges it now.
   * Nothing is credited twice: the credit is once per topUpId. Answers how many were asked about; a refusal fails
   * that top-up, as at its first request.
   */
  async resume(): Promise<number> {
    let asked = 0;
    for (let page = this.#o.store.pendingPage('', RESUME_PAGE); page.length > 0; page = this.#o.store.pendingPage(page.at(-1)!.topUpId, RESUME_PAGE)) {
      for (const topUp of page) {
        asked++;
        await this.#charge(topUp).catch(() => undefined); // failed, with its reason, by #charge
      }
    }
    return asked;
  }

  /** The customer's card top-up under this id, or undefined (another customer's is not theirs to see). */
  get(customerId: string, topUpId: string): CardTopUp | undefined {
    const topUp = this.#o.store.get(topUpId);
    return topUp?.customerId === customerId ? topUp : undefined;
  }

  /** Whether a provider event is about a card top-up (rather than a booking's payment). */
  owns(paymentId: string): boolean {
    return paymentId.startsWith(PAYMENT_PREFIX);
  }

  /**
   * Applies the provider's verified event: a success credits the wallet (once), a failure marks the top-up failed.
   * Answers whether anything changed. Throws StoreError `ERR_UNKNOWN_TOPUP` for a payment id no top-up has; a
   * failing credit (the ledger busy) rejects, so the webhook answers non-200 and the provider delivers it again.
   */
  async apply(event: ProviderEvent, context: { requestId?: string } = {}): Promise<{ applied: boolean }> {
    const topUp = this.#o.store.byPayment(event.paymentId);
    if (topUp === undefined) throw new StoreError('ERR_UNKNOWN_TOPUP', `no card top-up with payment '${event.paymentId}'`);
    if (topUp.status !== 'pending') return { applied: false };
    if (event.type === 'charge.failed') {
      this.#o.store.fail(topUp.topUpId, event.reason, this.#o.clock.now());
      return { applied: true };
    }
    // A top-up's only refund is the one for a wallet that could not hold it (below), already marked failed then.
    if (event.type !== 'charge.succeeded') return { applied: false };
    try {
      const credited = await this.#o.credit(topUp.customerId, topUp.topUpId, topUp.amount, context);
      // Among several nodes the ledger that credited it is the owner's, not this database: the mark is what tells.
      this.#o.store.succeed(topUp.topUpId, this.#o.clock.now());
      return { applied: credited.status === 'applied' };
    } catch (error) {
      if (codeOf(error) !== 'ERR_BALANCE_LIMIT') throw error;
      // The wallet cannot hold it: the top-up fails and the card gets its money back.
      this.#o.store.fail(topUp.topUpId, 'balance_limit', this.#o.clock.now());
      await this.#o.provider.refund({
        paymentId: topUp.paymentId, providerTransactionId: event.providerTransactionId, amount: topUp.amount, idempotencyKey: `${topUp.paymentId}:refund`,
      });
      return { applied: true };
    }
  }
}

/** The `code` of an EngineError or StoreError (both carry one), else undefined. */
function codeOf(error: unknown): unknown {
  return error instanceof Error && 'code' in error ? error.code : undefined;
}
