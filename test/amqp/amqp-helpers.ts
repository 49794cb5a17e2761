/**
 * What the RabbitMQ tests share: reference system 1's programs as the test plays them (its ticket machine's publish,
 * its customer app's exclusive queue), a queue of the test's that keeps what arrives, and the wait for ticketd's tap
 * queue to be drained.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import Database from 'better-sqlite3';
import path from 'node:path';
import { DB_FILE_NAME } from '../../src/store/index.ts';
import { api, type RunningBinary } from '../blackbox/binary.ts';

export const TAPS = { exchange: 'ticket_events_exchange', key: 'ticket_event' } as const;
const CUSTOMERS = 'customer_events_exchange';

/** Messages arriving on a queue of the test's, kept in order, with a wait for the next ones. */
export class Inbox {
  readonly messages: ConsumeMessage[] = [];
  #waiters: Array<() => void> = [];

  push(message: ConsumeMessage): void {
    this.messages.push(message);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves once `count` messages have arrived; fails the test after 15 s. */
  async atLeast(count: number): Promise<ConsumeMessage[]> {
    const deadline = Date.now() + 15_000;
    while (this.messages.length < count) {
      if (Date.now() > deadline) throw new Error(`waited for ${count} messages, have ${this.messages.length}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return this.messages;
  }
}

/** A customer app of the reference: an exclusive server-named queue on the customer exchange, by customer id. */
export async function customerApp(channel: Channel, customerId: string): Promise<Inbox> {
  await channel.assertExchange(CUSTOMERS, 'topic', { durable: false });
  return bind(channel, CUSTOMERS, customerId);
}

export async function bind(channel: Channel, exchange: string, key: string): Promise<Inbox> {
  const inbox = new Inbox();
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, exchange, key);
  await channel.consume(queue, (message) => {
    if (message !== null) inbox.push(message);
  }, { noAck: true });
  return inbox;
}

/** The reference's ticket machine: its JSON, no properties. */
export function machinePublishes(channel: Channel, customerId: string, rideNumber: string, purchaseTime: string, options: { messageId?: string } = {}): void {
  const body = JSON.stringify({ customer_id: customerId, ride_number: rideNumber, purchase_time: purchaseTime });
  channel.publish(TAPS.exchange, TAPS.key, Buffer.from(body), options.messageId === undefined ? {} : { messageId: options.messageId });
}

/** Waits until ticketd's tap queue has no message waiting for delivery (15 s at most): all delivered to ticketd. */
export async function drained(channel: Channel): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const { messageCount } = await channel.checkQueue('ticketd.taps');
    if (messageCount === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('ticketd.taps was not drained');
}

/** Polls `probe` every 100 ms until it answers something; fails with `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface Readiness {
  status: number;
  body: { ready: boolean; components?: { amqp?: string }; degraded?: string[] };
}

/** `GET /ready` of a running ticketd, without a token. */
export function readiness(ticketd: RunningBinary): Promise<Readiness> {
  return api(`${ticketd.url}/ready`, 'GET', undefined, { token: null });
}

/** Waits until the ticketd's bridge says it is connected to RabbitMQ. */
export async function connected(ticketd: RunningBinary, what = 'the bridge to connect'): Promise<void> {
  await until(what, async () => ((await readiness(ticketd)).body.components?.amqp === 'connected' ? true : undefined));
}

/**
 * How many tickets a node's own database holds for a customer: which node owns the customer, now that a customer's
 * reads over HTTP answer the owner's at every node. Read-only, beside the running node (WAL lets a reader in).
 */
export function ticketsInDatabase(node: RunningBinary, customerId: string): number {
  const db = new Database(path.join(node.dataDir, DB_FILE_NAME), { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[string], number>("SELECT count(*) FROM events WHERE customer_id = ? AND type = 'ticket.issued'").pluck().get(customerId) ?? 0;
  } finally {
    db.close();
  }
}
