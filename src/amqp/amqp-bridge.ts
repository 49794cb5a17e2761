/**
 * ticketd on RabbitMQ, speaking reference system 1's messages (refsys1-messages.ts), with the durability that
 * system lacks:
 *
 * - **In**: a durable quorum queue of ticketd's own (`ticketd.taps`) bound to the reference's tap exchange takes its
 *   ticket machines' messages. Each is decided by the same pipeline as an HTTP tap and acknowledged only once its
 *   outcome is committed; a redelivery carries the same tap id (refsys1-messages.ts), so it is recognised, never
 *   charged twice. A message that is no tap is published to the reference's dead-letter exchange with the reason in
 *   the `x-ticketd-reason` header (confirmed) and then acknowledged; one whose handling throws is returned to the
 *   queue, whose delivery limit dead-letters it after a few tries instead of looping.
 * - **Out**: the event log is the outbox. A publisher follows it from a cursor kept in the store and publishes each
 *   issued ticket as the reference's CustomerEvent to its customer exchange (routing key = customer id), each
 *   rejected tap as the reference's TicketEvent to its dead-letter exchange with the reason in a header, and every
 *   event in the feed's envelope to ticketd's own topic exchange `ticketd.events` (routing key = type). Publisher
 *   confirms: the cursor moves only past a page the broker confirmed, so after a crash or a lost connection the
 *   unconfirmed ones are published again, with the same `message-id` (`ticket-<eventId>`, …) to deduplicate on.
 * - **Down**: HTTP never waits for the broker. The connection recovers by itself (amqplib's recovery: exponential
 *   backoff with jitter, 100 ms to 30 s); `status()` says whether it is up, for `/ready`.
 *
 * - **Several nodes** (`shard`): each node owns a share of the customers, with its own SQLite file. Whichever node
 *   takes a tap from the shared queue forwards it through the consistent-hash exchange `ticketd.shards` (routing key
 *   = customer id) to the durable shard queue of the node owning that customer, which decides it; so each customer's
 *   taps are decided by one node, in order, once. A node that is down leaves its shard queue to fill, durably, and
 *   decides it when back; the others go on. A customer's wallet lives on its owner too: any node asks the owner,
 *   through the same exchange, for the customer, its tickets or a top-up (`customerOnOwner`, `ticketsOnOwner`,
 *   `topUpOnOwner`), and the owner answers from its own engine.
 *
 * The reference's exchanges are declared as its programs declare them (not durable), or they would refuse to start
 * beside ticketd; ticketd's queues and messages are durable.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type RecoveringChannelModel } from 'amqplib';
import { parseTapsBody } from '../domain/tap-input.ts';
import type { Customer, Tap } from '../domain/types.ts';
import type { RequestContext } from '../box-office/booking-types.ts';
import type { Logger } from '../platform/logger.ts';
import { EngineError, type EngineApi, type EngineErrorCode } from '../pipeline/engine-api.ts';
import type { FeedEvent } from '../store/event-feed.ts';
import { StoreError } from '../store/store-error.ts';
import type { Notification, TapResult, TicketPage, TopUpResult } from '../store/store-types.ts';
import { customerEventOf, parseTapMessage, REFSYS1, ticketEventOf } from './refsys1-messages.ts';

/** ticketd's own names on the broker. */
export const TICKETD_AMQP = Object.freeze({
  tapQueue: 'ticketd.taps',
  deadLetterQueue: 'ticketd.dead_letters',
  eventsExchange: 'ticketd.events',
  /** Several nodes: the consistent-hash exchange over customer ids, and each node's queue behind it. */
  shardExchange: 'ticketd.shards',
  shardQueue: (nodeId: string) => `ticketd.shard.${nodeId}`,
});

export const AMQP_DEFAULTS = Object.freeze({
  /** Tap messages in flight (delivered, not yet acknowledged) at once. */
  prefetch: 1_000,
  /** Deliveries of one message before the queue dead-letters it (a message whose handling keeps failing). */
  deliveryLimit: 5,
  /** Events per outbox page, published and confirmed together. */
  pageSize: 500,
  /** The outbox looks for new events at least this often, besides being woken by each commit. */
  pollMs: 1_000,
  /** Longest wait between two submissions of the same taps while the engine is overloaded or not ready. */
  retryMaxMs: 5_000,
});

export type AmqpState = 'connecting' | 'connected' | 'down';

export interface AmqpStatus {
  state: AmqpState;
  /** The last connection error, when not connected. */
  error?: string;
  /** Tap messages acknowledged, dead-lettered as malformed, and outbox events published, since the start. */
  acked: number;
  deadLettered: number;
  published: number;
}

/** Where the outbox cursor lives: the store's `meta` (TicketStore.cursor / setCursor). */
export interface OutboxCursor {
  read(): number | undefined;
  write(eventId: number): void;
  /** The log's last id: where a first start begins, so enabling the bridge does not publish the whole history. */
  head(): number;
}

export interface AmqpBridgeOptions {
  url: string;
  /** Among several nodes this node's engine also answers the others' questions about the customers it owns. */
  engine: Pick<EngineApi, 'submitTaps' | 'feed' | 'onNotifications' | 'notificationsAfter' | 'getCustomer' | 'listTickets' | 'topUp'>;
  cursor: OutboxCursor;
  /** The machine the reference's taps are recorded under (it must exist in the catalogue). */
  machineId: string;
  log: Logger;
  prefetch?: number;
  deliveryLimit?: number;
  pageSize?: number;
  pollMs?: number;
  /**
   * One node of several, each owning a share of the customers: taps from the reference's exchange are forwarded,
   * by customer id, through the consistent-hash exchange `ticketd.shards` to the shard queue of the node that owns
   * the customer (`ticketd.shard.<nodeId>`), and each node decides only the taps of its own shard queue.
   */
  shard?: { nodeId: string };
  /** A customer's latest event id here: the owner's answer to a stream opened without Last-Event-ID (from now on). */
  streamHead?: (customerId: string) => number;
}

/**
 * @example
 * const bridge = new AmqpBridge({ url: 'amqp://guest:guest@127.0.0.1:5672', engine, cursor, machineId: 'refsys1', log });
 * await bridge.start();   // returns at once; connects, and reconnects, in the background
 * bridge.status();        // { state: 'connected', acked: 0, deadLettered: 0, published: 0 }
 * await bridge.stop();
 */
export class AmqpBridge {
  readonly #options: Required<Omit<AmqpBridgeOptions, 'log' | 'shard' | 'streamHead'>> & Pick<AmqpBridgeOptions, 'log' | 'shard' | 'streamHead'>;
  #connection: RecoveringChannelModel | undefined;
  #state: AmqpState = 'connecting';
  #error: string | undefined;
  #stopping = false;
  #acked = 0;
  #deadLettered = 0;
  #published = 0;
  /** Wakes the outbox publisher when a commit may have added events. */
  #wake: (() => void) | undefined;
  #unlisten: (() => void) | undefined;
  /** The live connection's publisher loop, to wait for at stop. */
  #publishing: Promise<void> | undefined;
  /** Counts connections: a publisher loop of an earlier one ends instead of racing the current one. */
  #generation = 0;
  /** The live connection's channel and reply queue, for taps sent to their shards from HTTP (`submitToShards`). */
  #rpc: { channel: ConfirmChannel; replyQueue: string } | undefined;
  /** Requests sent to other shards (taps, stream pages) and not yet answered, by correlation id. */
  readonly #awaiting = new Map<string, (answer: unknown) => void>();
  /** Customers whose streams this node serves from their owner, with the wakes of each (`watchCustomer`). */
  readonly #watched = new Map<string, Set<() => void>>();
  /** The live connection's queue of ticketd.events bound per watched customer. */
  #watchQueue: string | undefined;

  constructor(options: AmqpBridgeOptions) {
    this.#options = {
      prefetch: AMQP_DEFAULTS.prefetch, deliveryLimit: AMQP_DEFAULTS.deliveryLimit, pageSize: AMQP_DEFAULTS.pageSize,
      pollMs: AMQP_DEFAULTS.pollMs, ...options,
    };
  }

  status(): AmqpStatus {
    return {
      state: this.#state, ...(this.#state !== 'connected' && this.#error !== undefined && { error: this.#error }),
      acked: this.#acked, deadLettered: this.#deadLettered, published: this.#published,
    };
  }

  /** Starts connecting in the background; never throws for a broker that is down (status says so). */
  async start(): Promise<void> {
    this.#unlisten = this.#options.engine.onNotifications(() => this.#wake?.());
    this.#connection = await amqp.connect(this.#options.url, {
      recovery: {
        initialDelay: 100, maxDelay: 30_000, factor: 2, jitter: 0.2, maxRetries: Infinity, waitForConnect: false,
        setup: (model: ChannelModel) => this.#setup(model),
      },
    });
    this.#connection.on('connect', () => {
      this.#state = 'connected';
      this.#error = undefined;
      this.#options.log.info('amqp connected');
    });
    this.#connection.on('disconnect', (error: Error) => this.#down(error));
    this.#connection.on('connect-failed', (error: Error) => this.#down(error));
    this.#connection.on('error', (error: Error) => this.#down(error));
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#unlisten?.();
    this.#wake?.();
    await this.#publishing;
    try {
      await this.#connection?.close();
    } catch {
      // Closing a connection that is already gone.
    }
    this.#state = 'down';
  }

  #down(error: Error): void {
    if (this.#stopping) return;
    // A channel ending is what follows the connection's own error: the cause is the one worth keeping and telling.
    if (error.message.startsWith('Channel ended') && this.#error !== undefined) return;
    const message = error.message.includes("unknown exchange type 'x-consistent-hash'")
      ? `${error.message} (several nodes need the broker's plugin: rabbitmq-plugins enable rabbitmq_consistent_hash_exchange)`
      : error.message;
    // Told once per cause, not at every retry.
    if (this.#error !== message) {
      this.#options.log.warn(this.#state === 'connected' ? 'amqp connection lost; reconnecting' : 'amqp not connected; retrying', { err: message });
    }
    this.#state = 'connecting';
    this.#error = message;
  }


  /** After every (re)connect: the topology, the consumer of taps and the outbox publisher, on this connection. */
  async #setup(model: ChannelModel): Promise<void> {
    // Each reconnect brings a model of its own, which emits 'error' when the broker closes the connection (a
    // declaration it refuses, say); unheard, that event would end the process instead of the recovery retrying.
    model.on('error', (error: Error) => this.#down(error));
    const consumer = await model.createConfirmChannel();
    const publisher = await model.createConfirmChannel();
    for (const channel of [consumer, publisher]) channel.on('error', (error: Error) => this.#down(error));
    const { deliveryLimit, shard } = this.#options;
    await declareTopology(consumer, deliveryLimit, shard?.nodeId);
    await consumer.prefetch(this.#options.prefetch);
    // One node decides the reference's taps itself; one of several forwards each to the node owning its customer,
    // and decides what arrives in its own shard queue.
    const ingress = batcher((batch) => (shard === undefined ? this.#decide(consumer, batch) : this.#forward(consumer, batch)));
    await consumer.consume(TICKETD_AMQP.tapQueue, (message) => {
      if (message !== null) ingress(message);
    }, { noAck: false });
    if (shard !== undefined) {
      const owned = batcher((batch) => this.#decide(consumer, batch));
      await consumer.consume(TICKETD_AMQP.shardQueue(shard.nodeId), (message) => {
        if (message === null) return;
        const request: unknown = message.properties.headers?.[REQUEST_HEADER];
        // A question its asker stopped waiting for is dropped here, unanswered, rather than expired by the broker,
        // which would dead-letter it into the reference's dead-letter queue among the taps.
        if (request !== undefined && isPastDeadline(message)) consumer.ack(message);
        else if (request === 'stream-page' || request === 'stream-head') this.#answer(consumer, message, request);
        else if (isEngineQuestion(request)) void this.#answerFromEngine(consumer, message, request);
        else owned(message);
      }, { noAck: false });
      // The answers to the taps this node's HTTP clients sent to other shards.
      const { queue: replyQueue } = await publisher.assertQueue('', { exclusive: true, autoDelete: true });
      await publisher.consume(replyQueue, (message) => {
        if (message === null) return;
        const answer = this.#awaiting.get(String(message.properties.correlationId));
        if (answer !== undefined) answer(JSON.parse(message.content.toString()) as unknown);
      }, { noAck: true });
      this.#rpc = { channel: publisher, replyQueue };
      // Events of the customers whose streams this node serves: each wakes their streams (see watchCustomer).
      const { queue: watchQueue } = await publisher.assertQueue('', { exclusive: true, autoDelete: true });
      await publisher.consume(watchQueue, (message) => {
        if (message === null) return;
        const customerId = message.fields.routingKey.split('.').at(-1) ?? '';
        for (const wake of this.#watched.get(customerId) ?? []) wake();
      }, { noAck: true });
      this.#watchQueue = watchQueue;
      for (const customerId of this.#watched.keys()) await publisher.bindQueue(watchQueue, TICKETD_AMQP.eventsExchange, `*.*.${customerId}`);
    }
    const generation = ++this.#generation;
    this.#wake?.();
    this.#publishing = this.#publish(publisher, generation).catch((error: unknown) => {
      // The channel or connection went away: the next setup starts again from the stored cursor.
      if (!this.#stopping) this.#options.log.warn('amqp outbox stopped', { err: error instanceof Error ? error.message : String(error) });
    });
  }

  // --- In: taps ---------------------------------------------------------------------------------------------------

  async #decide(channel: ConfirmChannel, messages: ConsumeMessage[]): Promise<void> {
    const taps: Tap[] = [];
    const tapMessages: ConsumeMessage[] = [];
    const malformed: Array<{ message: ConsumeMessage; reason: string }> = [];
    for (const message of messages) {
      const parsed = tapOfMessage(message, this.#options.machineId);
      if (parsed.ok) {
        taps.push(parsed.tap);
        tapMessages.push(message);
      } else {
        malformed.push({ message, reason: parsed.reason });
      }
    }
    try {
      if (malformed.length > 0) await this.#deadLetterMalformed(channel, malformed);
      const results = taps.length > 0 ? await this.#submit(taps) : [];
      // A tap another node sent for its HTTP client gets its outcome back (answered before the ack: a lost answer
      // is asked again by the client resending the tap, answered `duplicate` with its outcome).
      for (const [i, message] of tapMessages.entries()) {
        const { replyTo, correlationId } = message.properties as { replyTo?: unknown; correlationId?: unknown };
        if (typeof replyTo === 'string' && typeof correlationId === 'string') {
          channel.sendToQueue(replyTo, Buffer.from(JSON.stringify(results[i])), { correlationId, contentType: 'application/json' });
        }
      }
      // Committed (or, for the malformed, dead-lettered and confirmed): now the broker may forget them.
      for (const message of tapMessages) channel.ack(message);
      this.#acked += tapMessages.length;
    } catch (error) {
      if (this.#stopping || isClosed(error)) return; // unacknowledged: the broker delivers them again
      this.#options.log.error('amqp taps not decided; returned to the queue', { err: error, taps: taps.length });
      for (const message of tapMessages) channel.nack(message, false, true);
    }
  }

  /**
   * Sends each tap to the shard queue of the node owning its customer (the consistent-hash exchange picks it by
   * customer id), with its tap id as message-id so the owner derives the same one; acknowledges once the broker
   * confirmed them all.
   */
  async #forward(channel: ConfirmChannel, messages: ConsumeMessage[]): Promise<void> {
    const malformed: Array<{ message: ConsumeMessage; reason: string }> = [];
    const forwarded: ConsumeMessage[] = [];
    for (const message of messages) {
      const parsed = parseTapMessage(message.content, stringOr(message.properties.messageId), this.#options.machineId);
      if (!parsed.ok) {
        malformed.push({ message, reason: parsed.reason });
        continue;
      }
      channel.publish(TICKETD_AMQP.shardExchange, parsed.tap.customerId, message.content, {
        persistent: true, contentType: 'application/json', messageId: parsed.tap.tapId,
      });
      forwarded.push(message);
    }
    try {
      if (malformed.length > 0) await this.#deadLetterMalformed(channel, malformed);
      await channel.waitForConfirms();
      for (const message of forwarded) channel.ack(message);
    } catch (error) {
      if (this.#stopping || isClosed(error)) return; // unacknowledged: delivered again, forwarded again, same tap ids
      this.#options.log.error('amqp taps not forwarded; returned to the queue', { err: error, taps: forwarded.length });
      for (const message of forwarded) channel.nack(message, false, true);
    }
  }

  async #deadLetterMalformed(channel: ConfirmChannel, malformed: Array<{ message: ConsumeMessage; reason: string }>): Promise<void> {
    for (const { message, reason } of malformed) {
      channel.publish(REFSYS1.deadLetterExchange, REFSYS1.deadLetterRoutingKey, message.content, {
        persistent: true, contentType: stringOr(message.properties.contentType) ?? 'application/json',
        headers: { 'x-ticketd-reason': reason },
        ...(typeof message.properties.messageId === 'string' && { messageId: message.properties.messageId }),
      });
    }
    await channel.waitForConfirms();
    for (const { message } of malformed) channel.ack(message);
    this.#deadLettered += malformed.length;
  }

  /** Submits until the engine takes the taps: an overloaded or starting engine is waited for, bounded per try. */
  async #submit(taps: Tap[]): Promise<TapResult[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#options.engine.submitTaps(taps);
      } catch (error) {
        const waitable = error instanceof EngineError
          && (error.code === 'ERR_OVERLOADED' || error.code === 'ERR_NOT_READY' || error.code === 'ERR_STORAGE');
        if (!waitable || this.#stopping) throw error;
        const backoffMs = Math.min(AMQP_DEFAULTS.retryMaxMs, 50 * 2 ** Math.min(attempt, 10));
        await sleep(Math.min(AMQP_DEFAULTS.retryMaxMs, error.retryAfterMs ?? backoffMs));
      }
    }
  }

  /**
   * Among several nodes, HTTP taps go where the reference's do: each through `ticketd.shards` to the node owning its
   * customer, which decides it and answers on this node's reply queue. Resolves with the outcomes in order; rejects
   * with EngineError `ERR_NOT_READY` while the broker is away, or when an owner does not answer within `timeoutMs`
   * (its tap is queued durably and will be decided: the client resends it to learn the outcome).
   */
  async submitToShards(taps: Tap[], timeoutMs: number): Promise<TapResult[]> {
    const rpc = this.#rpc;
    if (rpc === undefined || this.#state !== 'connected') {
      throw new EngineError('ERR_NOT_READY', 'RabbitMQ is away: taps cannot reach the nodes that own their customers');
    }
    const batch = randomUUID();
    const answers = taps.map((tap, i) => new Promise<TapResult>((resolve) => {
      this.#awaiting.set(`${batch}:${i}`, (answer) => resolve(answer as TapResult));
      rpc.channel.publish(TICKETD_AMQP.shardExchange, tap.customerId, Buffer.from(JSON.stringify(tap)), {
        persistent: true, contentType: 'application/json', messageId: tap.tapId, replyTo: rpc.replyQueue,
        correlationId: `${batch}:${i}`, headers: { [TAP_FORMAT_HEADER]: 'ticketd' },
      });
    }));
    let timer: NodeJS.Timeout | undefined;
    try {
      await rpc.channel.waitForConfirms();
      return await Promise.race([Promise.all(answers), new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new EngineError(
          'ERR_NOT_READY', `the node owning ${taps.length === 1 ? 'this tap\'s customer' : 'some of these taps\' customers'} did not answer in ${timeoutMs} ms; the taps are queued and will be decided: resend them to learn their outcome`,
        )), timeoutMs);
      })]);
    } finally {
      clearTimeout(timer);
      for (let i = 0; i < taps.length; i++) this.#awaiting.delete(`${batch}:${i}`);
    }
  }

  /**
   * Among several nodes, a page of a customer's stream (its notifications after `after`, oldest first) as the node
   * owning the customer has it: asked through `ticketd.shards` by customer id, so the owner answers whoever asks and
   * its event ids are the stream's everywhere. Rejects with EngineError `ERR_NOT_READY` while the broker is away or
   * when the owner does not answer within `timeoutMs` (down: the stream is dropped and its client resumes later).
   */
  streamPage(customerId: string, after: number, limit: number, timeoutMs: number): Promise<Notification[]> {
    return this.#ask<Notification[]>(customerId, 'stream-page', { customerId, after, limit }, timeoutMs);
  }

  /** The id of the customer's latest event on its owner: where a stream opened without Last-Event-ID starts. */
  streamHead(customerId: string, timeoutMs: number): Promise<number> {
    return this.#ask<number>(customerId, 'stream-head', { customerId }, timeoutMs);
  }

  /**
   * Among several nodes, the customer as the node owning it has it (its wallet is the one the taps charge; the other
   * nodes' copies keep their opening balance), or `undefined` when the owner knows no such customer. Rejects with
   * EngineError `ERR_NOT_READY` while the broker is away or when the owner does not answer within `timeoutMs`.
   *
   * @example
   * const customer = await bridge.customerOnOwner('customer-1', 10_000); // { id, name, tier, balance, currency }
   */
  async customerOnOwner(customerId: string, timeoutMs: number): Promise<Customer | undefined> {
    // JSON has no undefined: the owner answers null for a customer it does not know.
    const customer = await this.#askEngine<Customer | null>(customerId, 'customer', { customerId }, timeoutMs);
    return customer ?? undefined;
  }

  /**
   * Among several nodes, a page of the customer's tickets (newest first) from the node owning it, the only node that
   * holds them; `cursor` is the owner's `nextCursor` of the page before. Rejects as `customerOnOwner` does, and with
   * StoreError `ERR_INVALID_CURSOR` for a cursor the owner never handed out.
   *
   * @example
   * const page = await bridge.ticketsOnOwner('customer-1', 50, undefined, 10_000); // { tickets, nextCursor? }
   */
  ticketsOnOwner(customerId: string, limit: number, cursor: string | undefined, timeoutMs: number): Promise<TicketPage> {
    return this.#askEngine<TicketPage>(customerId, 'tickets', { customerId, limit, ...(cursor !== undefined && { cursor }) }, timeoutMs);
  }

  /**
   * Among several nodes, a top-up applied by the node owning the customer, to the wallet its taps charge. The owner
   * refuses as its engine does (EngineError `ERR_UNKNOWN_CUSTOMER`, `ERR_TOPUP_CONFLICT`, `ERR_BALANCE_LIMIT`), and
   * this rejects with the same code. An owner that does not answer within `timeoutMs` gives `ERR_NOT_READY`: the
   * top-up may still be applied, once, since `topUpId` is its idempotency key there, so asking again is safe.
   *
   * @example
   * const result = await bridge.topUpOnOwner('customer-1', 'topup-7', 2_500, { requestId: 'req-1' }, 25_000);
   * result.status; // 'applied' the first time, 'duplicate' when asked again
   */
  topUpOnOwner(customerId: string, topUpId: string, amount: number, context: RequestContext | undefined, timeoutMs: number): Promise<TopUpResult> {
    const requestId = context?.requestId;
    return this.#askEngine<TopUpResult>(customerId, 'top-up', { customerId, topUpId, amount, ...(requestId !== undefined && { requestId }) }, timeoutMs);
  }

  /**
   * Asks the owner's engine and answers what it answered, or throws again what it threw. A question about a customer
   * this node owns goes through the broker as well, to itself: the hash alone decides who answers, the same way for
   * every customer, so this node needs no copy of the hash ring.
   */
  async #askEngine<T>(customerId: string, request: EngineQuestion, body: object, timeoutMs: number): Promise<T> {
    const reply = await this.#ask<EngineReply<T>>(customerId, request, body, timeoutMs);
    if ('error' in reply) throw thrownOf(reply.error);
    return reply.value;
  }

  /** Asks the node owning `customerId` (through its shard queue) and waits, bounded, for its answer. */
  async #ask<T>(customerId: string, request: string, body: object, timeoutMs: number): Promise<T> {
    const rpc = this.#rpc;
    if (rpc === undefined || this.#state !== 'connected') {
      throw new EngineError('ERR_NOT_READY', 'RabbitMQ is away: the node owning this customer cannot be asked');
    }
    const correlationId = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<T>((resolve, reject) => {
        this.#awaiting.set(correlationId, (answer) => resolve(answer as T));
        timer = setTimeout(() => reject(new EngineError('ERR_NOT_READY', `the node owning customer ${customerId} did not answer in ${timeoutMs} ms`)), timeoutMs);
        // Not persistent, and dropped by the owner once past its deadline: a question nobody answered in time is asked
        // again, not kept.
        rpc.channel.publish(TICKETD_AMQP.shardExchange, customerId, Buffer.from(JSON.stringify(body)), {
          contentType: 'application/json', replyTo: rpc.replyQueue, correlationId,
          headers: { [REQUEST_HEADER]: request, [DEADLINE_HEADER]: Date.now() + timeoutMs },
        });
      });
    } finally {
      clearTimeout(timer);
      this.#awaiting.delete(correlationId);
    }
  }

  /** Calls `wake` whenever an event of `customerId` is published by any node; answers the unsubscribe. */
  watchCustomer(customerId: string, wake: () => void): () => void {
    let wakes = this.#watched.get(customerId);
    if (wakes === undefined) {
      wakes = new Set();
      this.#watched.set(customerId, wakes);
      const queue = this.#watchQueue;
      if (queue !== undefined) void this.#rpc?.channel.bindQueue(queue, TICKETD_AMQP.eventsExchange, `*.*.${customerId}`).catch(() => undefined);
    }
    wakes.add(wake);
    return () => {
      wakes.delete(wake);
      if (wakes.size > 0 || this.#watched.get(customerId) !== wakes) return;
      this.#watched.delete(customerId);
      const queue = this.#watchQueue;
      if (queue !== undefined) void this.#rpc?.channel.unbindQueue(queue, TICKETD_AMQP.eventsExchange, `*.*.${customerId}`).catch(() => undefined);
    };
  }

  /** The owner's side of `streamPage` and `streamHead`: answered to the asking node from this node's log. */
  #answer(channel: ConfirmChannel, message: ConsumeMessage, request: unknown): void {
    const { replyTo, correlationId } = message.properties as { replyTo?: unknown; correlationId?: unknown };
    try {
      const asked = JSON.parse(message.content.toString()) as { customerId: string; after?: number; limit?: number };
      const answer = request === 'stream-head'
        ? this.#options.streamHead?.(asked.customerId) ?? 0
        : this.#options.engine.notificationsAfter(asked.customerId, asked.after ?? 0, Math.min(Math.max(1, asked.limit ?? 1), 1_000));
      if (typeof replyTo === 'string' && typeof correlationId === 'string') {
        channel.sendToQueue(replyTo, Buffer.from(JSON.stringify(answer)), { correlationId, contentType: 'application/json' });
      }
    } catch (error) {
      this.#options.log.warn('amqp question not answered', { request, err: error instanceof Error ? error.message : String(error) });
    }
    channel.ack(message);
  }

  /**
   * The owner's side of `customerOnOwner`, `ticketsOnOwner` and `topUpOnOwner`: this node's engine answers, and a
   * refusal goes back as `{ error: { code, message } }` for the asking node to throw again. Acknowledged once
   * answered; a question whose channel closed before is delivered again, and answered again (a top-up's second
   * answer is `duplicate`, with the same wallet).
   */
  async #answerFromEngine(channel: ConfirmChannel, message: ConsumeMessage, request: EngineQuestion): Promise<void> {
    const { replyTo, correlationId } = message.properties as { replyTo?: unknown; correlationId?: unknown };
    let reply: EngineReply<unknown>;
    try {
      reply = { value: await this.#engineAnswer(request, JSON.parse(message.content.toString()) as Record<string, unknown>) };
    } catch (error) {
      reply = { error: wireErrorOf(error) };
      if (reply.error.code === INTERNAL_CODE) this.#options.log.error('amqp question failed on the owner', { request, err: error });
    }
    try {
      if (typeof replyTo === 'string' && typeof correlationId === 'string') {
        channel.sendToQueue(replyTo, Buffer.from(JSON.stringify(reply)), { correlationId, contentType: 'application/json' });
      }
      channel.ack(message);
    } catch (error) {
      // The channel closed while the engine answered: the question is delivered again after the reconnect.
      if (!this.#stopping && !isClosed(error)) throw error;
    }
  }

  async #engineAnswer(request: EngineQuestion, asked: Record<string, unknown>): Promise<unknown> {
    const { engine } = this.#options;
    const customerId = stringField(asked, 'customerId');
    if (request === 'customer') return engine.getCustomer(customerId) ?? null;
    if (request === 'tickets') {
      const limit = typeof asked.limit === 'number' ? Math.min(Math.max(1, Math.trunc(asked.limit)), TICKETS_PAGE_MAX) : TICKETS_PAGE_MAX;
      const cursor = typeof asked.cursor === 'string' ? asked.cursor : undefined;
      return engine.listTickets(customerId, limit, cursor);
    }
    if (typeof asked.amount !== 'number') throw new Error('a top-up question without a numeric amount');
    const requestId = typeof asked.requestId === 'string' ? asked.requestId : undefined;
    return engine.topUp(customerId, stringField(asked, 'topUpId'), asked.amount, requestId === undefined ? undefined : { requestId });
  }

  // --- Out: the outbox --------------------------------------------------------------------------------------------

  async #publish(channel: ConfirmChannel, generation: number): Promise<void> {
    const { cursor, engine, pageSize, pollMs } = this.#options;
    let after = cursor.read();
    if (after === undefined) {
      after = cursor.head();
      cursor.write(after);
    }
    while (!this.#stopping && generation === this.#generation) {
      const page = engine.feed({ after, limit: pageSize });
      if (page.events.length === 0) {
        after = Number(page.nextCursor);
        await this.#idle(pollMs);
        continue;
      }
      for (const event of page.events) await this.#publishEvent(channel, event);
      await channel.waitForConfirms();
      after = Number(page.nextCursor);
      cursor.write(after);
      this.#published += page.events.length;
    }
  }

  async #publishEvent(channel: ConfirmChannel, event: FeedEvent): Promise<void> {
    // Event ids are a node's own: among several nodes a message-id names its node too, so ids never collide.
    const node = this.#options.shard?.nodeId;
    const send = async (exchange: string, key: string, body: string, id: string, headers?: Record<string, string>) => {
      const messageId = node === undefined ? id : `${node}-${id}`;
      const options = {
        persistent: true, contentType: 'application/json', messageId,
        ...((headers !== undefined || node !== undefined) && { headers: { ...headers, ...(node !== undefined && { 'x-ticketd-node': node }) } }),
      };
      if (!channel.publish(exchange, key, Buffer.from(body), options)) await once(channel, 'drain');
    };
    if (event.type === 'ticket.issued') {
      const ticket = event.data as { customerId: string; rideId: string; price: number; tappedAt: string };
      await send(REFSYS1.customerExchange, ticket.customerId, customerEventOf(ticket), `ticket-${event.eventId}`);
    } else if (event.type === 'ticket.rejected') {
      const rejected = event.data as { customerId: string; rideId: string; tappedAt: string; reason: string };
      await send(REFSYS1.deadLetterExchange, REFSYS1.deadLetterRoutingKey, ticketEventOf(rejected), `rejected-${event.eventId}`, {
        'x-ticketd-reason': rejected.reason,
      });
    }
    // `<type>.<customer id>` (`-` for a user's event): bind `ticket.issued.*` for a type, `*.*.customer-1` for a
    // customer, `#` for everything.
    await send(TICKETD_AMQP.eventsExchange, `${event.type}.${event.customerId ?? '-'}`, JSON.stringify(event), event.eventId);
  }

  /** Waits for a commit's wake-up, the poll, or the stop. */
  async #idle(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
  }
}

/**
 * The reference's exchanges as its programs declare them, and ticketd's durable queues bound to them: taps in a
 * quorum queue with a delivery limit that dead-letters to the reference's dead-letter exchange, dead letters kept in
 * a durable queue of ticketd's (the reference's own is not durable), and ticketd's events exchange.
 */
async function declareTopology(channel: Channel, deliveryLimit: number, nodeId: string | undefined): Promise<void> {
  await channel.assertExchange(REFSYS1.tapExchange, 'direct', { durable: false });
  await channel.assertExchange(REFSYS1.customerExchange, 'topic', { durable: false });
  await channel.assertExchange(REFSYS1.deadLetterExchange, 'direct', { durable: false });
  await channel.assertExchange(TICKETD_AMQP.eventsExchange, 'topic', { durable: true });
  await channel.assertQueue(TICKETD_AMQP.tapQueue, { durable: true, arguments: tapQueueArguments(deliveryLimit) });
  await channel.bindQueue(TICKETD_AMQP.tapQueue, REFSYS1.tapExchange, REFSYS1.tapRoutingKey);
  await channel.assertQueue(TICKETD_AMQP.deadLetterQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(TICKETD_AMQP.deadLetterQueue, REFSYS1.deadLetterExchange, REFSYS1.deadLetterRoutingKey);
  if (nodeId === undefined) return;
  // The plugin rabbitmq_consistent_hash_exchange (shipped with the server; .ci/run enables it). A queue's binding
  // key is its weight: every node takes an equal share of the hash ring.
  await channel.assertExchange(TICKETD_AMQP.shardExchange, 'x-consistent-hash', { durable: true });
  const queue = TICKETD_AMQP.shardQueue(nodeId);
  await channel.assertQueue(queue, { durable: true, arguments: tapQueueArguments(deliveryLimit) });
  await channel.bindQueue(queue, TICKETD_AMQP.shardExchange, '1');
}

function tapQueueArguments(deliveryLimit: number): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum', 'x-delivery-limit': deliveryLimit,
    'x-dead-letter-exchange': REFSYS1.deadLetterExchange, 'x-dead-letter-routing-key': REFSYS1.deadLetterRoutingKey,
  };
}

/**
 * Collects what arrives in one turn of the event loop into one batch for `handle`: one submission, one group commit,
 * for many messages.
 */
function batcher(handle: (batch: ConsumeMessage[]) => Promise<void>): (message: ConsumeMessage) => void {
  let pending: ConsumeMessage[] = [];
  return (message) => {
    pending.push(message);
    if (pending.length > 1) return;
    setImmediate(() => {
      const batch = pending;
      pending = [];
      void handle(batch);
    });
  };
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isClosed(error: unknown): boolean {
  return error instanceof Error && /closed|IllegalOperation/i.test(`${error.name} ${error.message}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Set on what a node asks of the owner of a customer through its shard queue: `stream-page`, `stream-head`, and the
 * engine's questions (`EngineQuestion`).
 */
const REQUEST_HEADER = 'x-ticketd-request';
/**
 * When the asking node stops waiting for an answer (epoch ms, its clock). Not the message's `expiration`: a shard
 * queue dead-letters what expires, into the reference's dead-letter queue, where questions have no place. Nodes'
 * clocks are assumed within seconds of each other; the waits are tens of seconds.
 */
const DEADLINE_HEADER = 'x-ticketd-deadline';

function isPastDeadline(message: ConsumeMessage): boolean {
  const deadline: unknown = message.properties.headers?.[DEADLINE_HEADER];
  return typeof deadline === 'number' && deadline < Date.now();
}

/** What a node asks of the engine of the node owning a customer. */
const ENGINE_QUESTIONS = ['customer', 'tickets', 'top-up'] as const;
type EngineQuestion = (typeof ENGINE_QUESTIONS)[number];

function isEngineQuestion(request: unknown): request is EngineQuestion {
  return (ENGINE_QUESTIONS as readonly unknown[]).includes(request);
}

/** The most tickets the owner sends in one page: the HTTP route's bound on `limit`. */
const TICKETS_PAGE_MAX = 1_000;

/** A refusal as it crosses the broker: the code the asking node throws again, with its message. */
interface WireError {
  code: string;
  message: string;
  /** For `ERR_OVERLOADED`: when to try again. */
  retryAfterMs?: number;
}

/** The owner's answer to an engine question. */
type EngineReply<T> = { value: T } | { error: WireError };

/** The code of a failure that is no refusal of the engine's (a bug, or a question no node of ours would send). */
const INTERNAL_CODE = 'ERR_INTERNAL';

/** Every EngineError code, so that one coming back is thrown again as an EngineError (the record makes it complete). */
const ENGINE_ERROR_CODES: Record<EngineErrorCode, true> = {
  ERR_OVERLOADED: true, ERR_NOT_READY: true, ERR_UNKNOWN_CUSTOMER: true, ERR_UNKNOWN_DEAD_LETTER: true, ERR_ALREADY_REPLAYED: true,
  ERR_TOPUP_CONFLICT: true, ERR_BALANCE_NOT_SETTABLE: true, ERR_BALANCE_LIMIT: true, ERR_STORAGE: true,
};

function isEngineErrorCode(code: string): code is EngineErrorCode {
  return Object.hasOwn(ENGINE_ERROR_CODES, code);
}

/** What the owner sends back for `error`: the engine's and the store's refusals keep their code. */
function wireErrorOf(error: unknown): WireError {
  if (error instanceof EngineError) {
    return { code: error.code, message: error.message, ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }) };
  }
  if (error instanceof StoreError) return { code: error.code, message: error.message };
  return { code: INTERNAL_CODE, message: error instanceof Error ? error.message : String(error) };
}

/**
 * The owner's refusal as the asking node throws it: an EngineError with the same code (a store's unknown customer is
 * the engine's too), a bad cursor as the StoreError the HTTP layer answers 400 to, and anything else as an Error.
 */
function thrownOf(error: WireError): Error {
  if (isEngineErrorCode(error.code)) return new EngineError(error.code, error.message, error.retryAfterMs);
  if (error.code === 'ERR_INVALID_CURSOR') return new StoreError('ERR_INVALID_CURSOR', error.message);
  return new Error(`the node owning the customer failed to answer: ${error.message}`);
}

function stringField(asked: Record<string, unknown>, field: string): string {
  const value = asked[field];
  if (typeof value !== 'string') throw new Error(`a question without a string ${field}`);
  return value;
}

/** Set on taps a node sends to another's shard in ticketd's own JSON (an HTTP tap, with its machine and signature). */
const TAP_FORMAT_HEADER = 'x-ticketd-tap-format';

/** A delivery as a tap: ticketd's own JSON from another node, else the reference's. */
function tapOfMessage(message: ConsumeMessage, machineId: string): { ok: true; tap: Tap } | { ok: false; reason: string } {
  if (message.properties.headers?.[TAP_FORMAT_HEADER] !== 'ticketd') {
    return parseTapMessage(message.content, stringOr(message.properties.messageId), machineId);
  }
  let body: unknown;
  try {
    body = JSON.parse(message.content.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed: not JSON' };
  }
  const parsed = parseTapsBody(body);
  if (!parsed.ok) return { ok: false, reason: `malformed: ${parsed.error.message}` };
  return { ok: true, tap: parsed.taps[0]! };
}
