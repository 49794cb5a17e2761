/**
 * Reference system 1 meets ticketd on RabbitMQ (issue 12): the real binary with `--amqp-url`, and this test speaking
 * exactly what the reference's Python programs speak, from Node — its ticket machine publishes
 * `{"customer_id","ride_number","purchase_time"}` to `ticket_events_exchange` / `ticket_event` (no message-id, not
 * persistent, as pika's basic_publish does); its customer app binds an exclusive server-named queue to the topic
 * exchange `customer_events_exchange` with its customer id and builds `CustomerEvent(**json.loads(body))`, so the body
 * must have exactly its four keys. Each test file has a vhost of its own (test/support/broker.ts).
 */
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startBinary, type RunningBinary } from '../blackbox/binary.ts';
import { makeVhost, requireBrokerOrSkip, type TestVhost } from '../support/broker.ts';

const skip = await requireBrokerOrSkip();

const TAPS = { exchange: 'ticket_events_exchange', key: 'ticket_event' };
const CUSTOMERS = 'customer_events_exchange';
const DEAD = { exchange: 'ticket_events_dead_letter_exchange', key: 'ticket_events_dead_letter_routing_key' };

let vhost: TestVhost;
let ticketd: RunningBinary;
let connection: ChannelModel;
let channel: Channel;

/** Messages arriving on a queue of the test's, kept in order, with a wait for the next ones. */
class Inbox {
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
async function customerApp(customerId: string): Promise<Inbox> {
  await channel.assertExchange(CUSTOMERS, 'topic', { durable: false });
  return bind(CUSTOMERS, customerId);
}

async function bind(exchange: string, key: string): Promise<Inbox> {
  const inbox = new Inbox();
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, exchange, key);
  await channel.consume(queue, (message) => {
    if (message !== null) inbox.push(message);
  }, { noAck: true });
  return inbox;
}

/** The reference's ticket machine: its JSON, no properties. */
function machinePublishes(customerId: string, rideNumber: string, purchaseTime: string, options: { messageId?: string } = {}): void {
  const body = JSON.stringify({ customer_id: customerId, ride_number: rideNumber, purchase_time: purchaseTime });
  channel.publish(TAPS.exchange, TAPS.key, Buffer.from(body), options.messageId === undefined ? {} : { messageId: options.messageId });
}

async function balanceOf(customerId: string): Promise<number> {
  const answer = await api<{ balance: number }>(`${ticketd.url}/v1/customers/${customerId}`, 'GET');
  expect(answer.status).toBe(200);
  return answer.body.balance;
}

/** Waits until ticketd's tap queue holds nothing: every message decided and acknowledged. */
async function drained(): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const { messageCount } = await channel.checkQueue('ticketd.taps');
    if (messageCount === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('ticketd.taps was not drained');
}

beforeAll(async () => {
  if (skip !== undefined) return;
  vhost = makeVhost('interop');
  ticketd = await startBinary({ args: ['--amqp-url', vhost.url] });
  connection = await amqp.connect(vhost.url);
  channel = await connection.createChannel();
  for (let i = 0; i < 100; i++) {
    const ready = await api<{ components?: { amqp?: string } }>(`${ticketd.url}/ready`, 'GET', undefined, { token: null });
    if (ready.body.components?.amqp === 'connected') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 60_000);

afterAll(async () => {
  if (skip !== undefined) return;
  await connection?.close();
  expect(await ticketd.stop('SIGTERM')).toBe(0);
  vhost.remove();
}, 60_000);

describe.skipIf(skip !== undefined)('reference system 1 on RabbitMQ, against ticketd', () => {
  it('says in /ready that RabbitMQ is connected', async () => {
    const ready = await api(`${ticketd.url}/ready`, 'GET', undefined, { token: null });
    expect(ready).toMatchObject({ status: 200, body: { ready: true, components: { amqp: 'connected' } } });
  });

  it("charges a machine's tap once, and the customer app gets exactly its CustomerEvent", async () => {
    const app = await customerApp('customer-1');
    const before = await balanceOf('customer-1');
    const purchaseTime = new Date().toISOString();
    machinePublishes('customer-1', 'ride-a', purchaseTime);
    const [message] = await app.atLeast(1);
    const event = JSON.parse(message!.content.toString()) as Record<string, unknown>;
    expect(Object.keys(event)).toEqual(['customer_id', 'ride_number', 'cost', 'purchase_time']);
    expect(event).toMatchObject({ customer_id: 'customer-1', ride_number: 'ride-a', purchase_time: purchaseTime });
    const charged = before - (await balanceOf('customer-1'));
    expect(charged).toBeGreaterThan(0);
    // Whole currency units, as the reference prices its rides (5, 6.25), from the cents ticketd charged.
    expect(event.cost).toBe(charged / 100);
    expect(message!.properties.messageId).toMatch(/^ticket-\d+$/);
    await drained();
  });

  it('never charges a redelivered or republished message twice: same body, or same message-id', async () => {
    const app = await customerApp('customer-2');
    const before = await balanceOf('customer-2');
    const time = new Date().toISOString();
    machinePublishes('customer-2', 'ride-a', time);
    machinePublishes('customer-2', 'ride-a', time); // the same message again: its body is its identity
    machinePublishes('customer-2', 'ride-b', time, { messageId: 'machine-7-seq-1' });
    machinePublishes('customer-2', 'ride-b', new Date(Date.now() + 1).toISOString(), { messageId: 'machine-7-seq-1' });
    await drained();
    await app.atLeast(2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(app.messages).toHaveLength(2);
    const costs = app.messages.map((m) => (JSON.parse(m.content.toString()) as { cost: number }).cost);
    expect(before - (await balanceOf('customer-2'))).toBe(Math.round((costs[0]! + costs[1]!) * 100));
  });

  it("dead-letters what it cannot charge to the reference's dead-letter exchange, with the reason in a header", async () => {
    const dead = await bind(DEAD.exchange, DEAD.key);
    const time = new Date().toISOString();
    machinePublishes('nobody-here', 'ride-a', time);
    channel.publish(TAPS.exchange, TAPS.key, Buffer.from('this is no JSON'));
    channel.publish(TAPS.exchange, TAPS.key, Buffer.from(JSON.stringify({ customer_id: 'customer-1', ride_number: 'ride-a' })));
    const messages = await dead.atLeast(3);
    const byReason = new Map(messages.map((m) => [String(m.properties.headers?.['x-ticketd-reason']), m.content.toString()]));
    expect(JSON.parse(byReason.get('unknown_customer')!)).toEqual({ customer_id: 'nobody-here', ride_number: 'ride-a', purchase_time: time });
    expect(byReason.get('malformed: not JSON')).toBe('this is no JSON');
    expect([...byReason.keys()]).toContain('malformed: purchase_time must be a string');
    await drained();
  });

  it('publishes every event on its own exchange, ticketd.events, with its event id as message-id', async () => {
    const events = await bind('ticketd.events', '#');
    machinePublishes('customer-3', 'ride-a', new Date().toISOString());
    // Events of the tests before may still be on their way: find this tap's.
    let first: ConsumeMessage | undefined;
    for (let count = 1; first === undefined && count <= 20; count++) {
      first = (await events.atLeast(count)).find((m) => m.content.toString().includes('"customerId":"customer-3"'));
    }
    const event = JSON.parse(first!.content.toString()) as { eventId: string; type: string; aggregateType: string };
    expect(event).toMatchObject({ type: 'ticket.issued', aggregateType: 'customer' });
    expect(first!.properties.messageId).toBe(event.eventId);
    expect(first!.fields.routingKey).toBe('ticket.issued');
  });
});
