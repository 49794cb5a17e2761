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
import { bind, customerApp, drained, machinePublishes, TAPS } from './amqp-helpers.ts';

const skip = await requireBrokerOrSkip();

const DEAD = { exchange: 'ticket_events_dead_letter_exchange', key: 'ticket_events_dead_letter_routing_key' };

let vhost: TestVhost;
let ticketd: RunningBinary;
let connection: ChannelModel;
let channel: Channel;

async function balanceOf(customerId: string): Promise<number> {
  const answer = await api<{ balance: number }>(`${ticketd.url}/v1/customers/${customerId}`, 'GET');
  expect(answer.status).toBe(200);
  return answer.body.balance;
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
    const app = await customerApp(channel, 'customer-1');
    const before = await balanceOf('customer-1');
    const purchaseTime = new Date().toISOString();
    machinePublishes(channel, 'customer-1', 'ride-a', purchaseTime);
    const [message] = await app.atLeast(1);
    const event = JSON.parse(message!.content.toString()) as Record<string, unknown>;
    expect(Object.keys(event)).toEqual(['customer_id', 'ride_number', 'cost', 'purchase_time']);
    expect(event).toMatchObject({ customer_id: 'customer-1', ride_number: 'ride-a', purchase_time: purchaseTime });
    const charged = before - (await balanceOf('customer-1'));
    expect(charged).toBeGreaterThan(0);
    // Whole currency units, as the reference prices its rides (5, 6.25), from the cents ticketd charged.
    expect(event.cost).toBe(charged / 100);
    expect(message!.properties.messageId).toMatch(/^ticket-\d+$/);
    await drained(channel);
  });

  it('never charges a redelivered or republished message twice: same body, or same message-id', async () => {
    const app = await customerApp(channel, 'customer-2');
    const before = await balanceOf('customer-2');
    const time = new Date().toISOString();
    machinePublishes(channel, 'customer-2', 'ride-a', time);
    machinePublishes(channel, 'customer-2', 'ride-a', time); // the same message again: its body is its identity
    machinePublishes(channel, 'customer-2', 'ride-b', time, { messageId: 'machine-7-seq-1' });
    machinePublishes(channel, 'customer-2', 'ride-b', new Date(Date.now() + 1).toISOString(), { messageId: 'machine-7-seq-1' });
    await drained(channel);
    await app.atLeast(2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(app.messages).toHaveLength(2);
    const costs = app.messages.map((m) => (JSON.parse(m.content.toString()) as { cost: number }).cost);
    expect(before - (await balanceOf('customer-2'))).toBe(Math.round((costs[0]! + costs[1]!) * 100));
  });

  it("dead-letters what it cannot charge to the reference's dead-letter exchange, with the reason in a header", async () => {
    const dead = await bind(channel, DEAD.exchange, DEAD.key);
    const time = new Date().toISOString();
    machinePublishes(channel, 'nobody-here', 'ride-a', time);
    channel.publish(TAPS.exchange, TAPS.key, Buffer.from('this is no JSON'));
    channel.publish(TAPS.exchange, TAPS.key, Buffer.from(JSON.stringify({ customer_id: 'customer-1', ride_number: 'ride-a' })));
    const messages = await dead.atLeast(3);
    const byReason = new Map(messages.map((m) => [String(m.properties.headers?.['x-ticketd-reason']), m.content.toString()]));
    expect(JSON.parse(byReason.get('unknown_customer')!)).toEqual({ customer_id: 'nobody-here', ride_number: 'ride-a', purchase_time: time });
    expect(byReason.get('malformed: not JSON')).toBe('this is no JSON');
    expect([...byReason.keys()]).toContain('malformed: purchase_time must be a string');
    await drained(channel);
  });

  it('publishes every event on its own exchange, ticketd.events, with its event id as message-id', async () => {
    const events = await bind(channel, 'ticketd.events', '#');
    machinePublishes(channel, 'customer-3', 'ride-a', new Date().toISOString());
    // Events of the tests before may still be on their way: find this tap's.
    let first: ConsumeMessage | undefined;
    for (let count = 1; first === undefined && count <= 20; count++) {
      first = (await events.atLeast(count)).find((m) => m.content.toString().includes('"customerId":"customer-3"'));
    }
    const event = JSON.parse(first!.content.toString()) as { eventId: string; type: string; aggregateType: string };
    expect(event).toMatchObject({ type: 'ticket.issued', aggregateType: 'customer' });
    expect(first!.properties.messageId).toBe(event.eventId);
    expect(first!.fields.routingKey).toBe('ticket.issued.customer-3');
  });
});
