/**
 * The simulated card provider inside ticketd (`serve --card-delay-ms N --card-failure-rate R`). It accepts a
 * charge at once, decides its outcome from the seeded random source (failing with probability `failureRate`), and
 * `delayMs` later on the injected clock delivers a signed webhook event to its sink. Refunds of a succeeded charge
 * always succeed, also after `delayMs`. Requests are idempotent on their key; charges, refunds and delivery
 * retries waiting on a timer are bounded by `pendingMax` (over it: `ERR_PROVIDER_BUSY`).
 *
 * Delivery: the sink gets the exact body and signature header a real provider would POST. The HTTP layer is meant
 * to hand them to its own `POST /v1/payments/webhook` handler in-process (`app.request(...)`), not over a socket:
 * the same verification and parsing run as for a real provider, without a loop back through the network. A sink
 * that throws or rejects is retried `max(delayMs, 1 s)` later, up to `deliveryAttemptsMax` attempts in all, each
 * signed anew: a second apart at least, so each attempt carries a new timestamp and so a new signature, which the
 * verifier's replay memory does not take for a replay of the one before.
 */

import type { Clock } from '../platform/clock.ts';
import type { IdSource } from '../platform/ids.ts';
import type { Random } from '../platform/random.ts';
import { checkRange, PaymentError } from './payment-error.ts';
import type { Accepted, ChargeRequest, PaymentProvider, ProviderEvent, RefundRequest } from './provider.ts';
import { signWebhook } from './webhook-signature.ts';

/** Signatures have a resolution of one second: a retry sooner would repeat the signature of the attempt before. */
const RETRY_DELAY_MIN_MS = 1_000;

/** A signed webhook request: the raw JSON body and the value of the `ticketd-signature` header. */
export interface WebhookDelivery {
  body: string;
  signature: string;
}

export type WebhookSink = (delivery: WebhookDelivery) => void | Promise<void>;

export interface SimulatedProviderOptions {
  clock: Clock;
  random: Random;
  ids: IdSource;
  /** The signing secret shared with the webhook verifier. */
  secret: string;
  sink: WebhookSink;
  /** Time from a request to its webhook: 0..60,000 ms (the CLI's default is 500). */
  delayMs: number;
  /** Share of charges that fail: 0..1 (the CLI's default is 0.05). */
  failureRate: number;
  /** Charges, refunds and delivery retries waiting at once: 1..1,000,000. */
  pendingMax: number;
  /** Transactions and idempotency keys remembered; the oldest settled ones are forgotten first: 1..10,000,000. */
  rememberedMax: number;
  /** Attempts to deliver one event (the first included): 1..100. */
  deliveryAttemptsMax: number;
}

interface Transaction {
  id: string;
  paymentId: string;
  amount: number;
  status: 'pending' | 'succeeded' | 'failed';
  /** Refunded or being refunded, in cents. */
  refundCommitted: number;
  /** Refunds accepted whose webhook has not gone out yet: while any is, the transaction is not forgotten. */
  refundsWaiting: number;
}

/** The fields every provider event has. */
type EventBase = Omit<Extract<ProviderEvent, { type: 'charge.succeeded' }>, 'type'>;

interface KeyRecord {
  /** The request the key first came with, to tell a retry from a conflicting reuse. */
  fingerprint: string;
  accepted: Accepted;
}

/**
 * @example
 * const provider = new SimulatedCardProvider({ clock, random, ids, secret, sink, delayMs: 500, failureRate: 0.05,
 *   pendingMax: 10_000, rememberedMax: 100_000, deliveryAttemptsMax: 5 });
 * await provider.charge({ paymentId: 'pay-1', amount: 4_500, currency: 'EUR', idempotencyKey: 'pay-1' });
 * // 500 ms later the sink gets { body: '{"type":"charge.succeeded",…}', signature: 't=…,v1=…' }
 */
export class SimulatedCardProvider implements PaymentProvider {
  readonly #options: SimulatedProviderOptions;
  readonly #transactions = new Map<string, Transaction>();
  readonly #keys = new Map<string, KeyRecord>();
  #waiting = 0;
  #delivered = 0;
  #undelivered = 0;

  constructor(options: SimulatedProviderOptions) {
    checkRange('delayMs', options.delayMs, 0, 60_000, true);
    checkRange('failureRate', options.failureRate, 0, 1, false);
    checkRange('pendingMax', options.pendingMax, 1, 1_000_000, true);
    checkRange('rememberedMax', options.rememberedMax, 1, 10_000_000, true);
    checkRange('deliveryAttemptsMax', options.deliveryAttemptsMax, 1, 100, true);
    if (typeof options.secret !== 'string' || options.secret.length < 16) {
      throw new PaymentError('ERR_INVALID_OPTION', 'secret must be a string of at least 16 characters');
    }
    this.#options = { ...options };
  }

  /** Requests and retries waiting on a timer; events delivered; events given up after every attempt failed. */
  stats(): { waiting: number; delivered: number; undelivered: number; remembered: number } {
    return { waiting: this.#waiting, delivered: this.#delivered, undelivered: this.#undelivered, remembered: this.#transactions.size };
  }

  async charge(request: ChargeRequest): Promise<Accepted> {
    checkAmount(request.amount);
    if (!/^[A-Z]{3}$/.test(request.currency)) {
      throw new PaymentError('ERR_INVALID_AMOUNT', `currency must be three capital letters, got ${request.currency}`);
    }
    const fingerprint = JSON.stringify(['charge', request.paymentId, request.amount, request.currency]);
    const earlier = this.#replay(request.idempotencyKey, fingerprint);
    if (earlier !== undefined) return earlier;
    this.#reserve();
    const { ids, random, failureRate } = this.#options;
    const transaction: Transaction = {
      id: ids.next('txn'),
      paymentId: request.paymentId,
      amount: request.amount,
      status: 'pending',
      refundCommitted: 0,
      refundsWaiting: 0,
    };
    // Drawn now, in request order, so a seed gives the same outcomes however the timers interleave.
    const fails = random.next() < failureRate;
    this.#transactions.set(transaction.id, transaction);
    const accepted: Accepted = { providerTransactionId: transaction.id, duplicate: false };
    this.#remember(request.idempotencyKey, fingerprint, accepted);
    this.#after(() => {
      transaction.status = fails ? 'failed' : 'succeeded';
      const common = this.#eventBase(transaction, transaction.amount);
      this.#deliver(fails ? { ...common, type: 'charge.failed', reason: 'card_declined' } : { ...common, type: 'charge.succeeded' }, 1);
    });
    return accepted;
  }

  async refund(request: RefundRequest): Promise<Accepted> {
    checkAmount(request.amount);
    const fingerprint = JSON.stringify(['refund', request.providerTransactionId, request.amount]);
    const earlier = this.#replay(request.idempotencyKey, fingerprint);
    if (earlier !== undefined) return earlier;
    const transaction = this.#transactions.get(request.providerTransactionId);
    if (transaction === undefined) {
      throw new PaymentError('ERR_UNKNOWN_TRANSACTION', `no transaction ${request.providerTransactionId}`);
    }
    if (transaction.status !== 'succeeded') {
      throw new PaymentError('ERR_NOT_REFUNDABLE', `transaction ${transaction.id} is ${transaction.status}`);
    }
    const left = transaction.amount - transaction.refundCommitted;
    if (request.amount > left) {
      throw new PaymentError('ERR_REFUND_EXCEEDS_PAID', `refund of ${request.amount} exceeds the ${left} left on ${transaction.id}`);
    }
    this.#reserve();
    transaction.refundCommitted += request.amount;
    transaction.refundsWaiting++;
    const providerRefundId = this.#options.ids.next('refund');
    const accepted: Accepted = { providerTransactionId: transaction.id, providerRefundId, duplicate: false };
    this.#remember(request.idempotencyKey, fingerprint, accepted);
    this.#after(() => {
      transaction.refundsWaiting--;
      this.#deliver({ ...this.#eventBase(transaction, request.amount), type: 'refund.succeeded', providerRefundId }, 1);
    });
    return accepted;
  }

  #replay(key: string, fingerprint: string): Accepted | undefined {
    if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
      throw new PaymentError('ERR_INVALID_OPTION', 'idempotencyKey must be 1-255 characters');
    }
    const record = this.#keys.get(key);
    if (record === undefined) return undefined;
    if (record.fingerprint !== fingerprint) {
      throw new PaymentError('ERR_IDEMPOTENCY_CONFLICT', `idempotency key ${key} was used for another request`);
    }
    return { ...record.accepted, duplicate: true };
  }

  #reserve(): void {
    if (this.#waiting >= this.#options.pendingMax) {
      throw new PaymentError('ERR_PROVIDER_BUSY', `${this.#waiting} requests are waiting (pendingMax ${this.#options.pendingMax})`);
    }
  }

  #after(callback: () => void, delayMs = this.#options.delayMs): void {
    this.#waiting++;
    this.#options.clock.setTimer(() => {
      this.#waiting--;
      callback();
    }, delayMs);
  }

  #eventBase(transaction: Transaction, amount: number): EventBase {
    const { ids, clock } = this.#options;
    return { id: ids.next('evt'), paymentId: transaction.paymentId, providerTransactionId: transaction.id, amount, createdAt: clock.now() };
  }

  #deliver(event: ProviderEvent, attempt: number): void {
    const { sink, secret, clock } = this.#options;
    const body = JSON.stringify(event);
    const onFailure = (): void => {
      // A retry waits on a timer like a request, so it counts against pendingMax; when none is free it is given up.
      if (attempt >= this.#options.deliveryAttemptsMax || this.#waiting >= this.#options.pendingMax) this.#undelivered++;
      else this.#after(() => this.#deliver(event, attempt + 1), Math.max(this.#options.delayMs, RETRY_DELAY_MIN_MS));
    };
    try {
      const result = sink({ body, signature: signWebhook(body, secret, clock.now()) });
      if (result instanceof Promise) {
        result.then(() => this.#delivered++, onFailure);
      } else {
        this.#delivered++;
      }
    } catch {
      onFailure();
    }
  }

  #remember(key: string, fingerprint: string, accepted: Accepted): void {
    this.#keys.set(key, { fingerprint, accepted });
    const { rememberedMax } = this.#options;
    // Oldest first; a transaction with a charge or refund still waiting (and its keys) is kept, so a retried
    // request is never carried out twice.
    const pending = (id: string): boolean => {
      const transaction = this.#transactions.get(id);
      return transaction !== undefined && (transaction.status === 'pending' || transaction.refundsWaiting > 0);
    };
    for (const [id] of this.#transactions) {
      if (this.#transactions.size <= rememberedMax) break;
      if (!pending(id)) this.#transactions.delete(id);
    }
    for (const [oldKey, record] of this.#keys) {
      if (this.#keys.size <= rememberedMax) break;
      if (!pending(record.accepted.providerTransactionId)) this.#keys.delete(oldKey);
    }
  }
}

function checkAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount < 1) {
    throw new PaymentError('ERR_INVALID_AMOUNT', `amount must be a positive integer of cents, got ${String(amount)}`);
  }
}
