/**
 * When RabbitMQ goes away and comes back, and when ticketd is killed with taps in flight (issue 12):
 *
 * - the broker cut off (a TCP proxy between ticketd and RabbitMQ that the test cuts and restores): HTTP keeps
 *   deciding taps, `/ready` stays 200 and names `amqp` as degraded; the reference's taps published meanwhile wait in
 *   ticketd's durable queue; once the broker is back ticketd reconnects by itself, decides them, and publishes what it
 *   committed while cut off (the HTTP tap's CustomerEvent too): nothing committed is lost.
 * - SIGKILL with hundreds of taps delivered and not all acknowledged: after the restart every tap is decided exactly
 *   once (its ticket counted once, its wallet charged once), and every CustomerEvent the customer app receives more
 *   than once carries the same message-id, so it can deduplicate.
 */
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startBinary, type RunningBinary } from '../blackbox/binary.ts';
import { BROKER, makeVhost, requireBrokerOrSkip, type TestVhost } from '../support/broker.ts';
import { connected, customerApp, machinePublishes, readiness, until } from './amqp-helpers.ts';

const skip = await requireBrokerOrSkip();

/** A TCP proxy to the broker that can be cut (every connection dropped, none accepted) and restored. */
class CuttableProxy {
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;
  port = 0;

  async open(): Promise<void> {
    this.#server = net.createServer((client) => {
      const upstream = net.connect(BROKER.port, BROKER.host);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.#server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as net.AddressInfo).port;
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server?.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}

let vhost: TestVhost;
let connection: ChannelModel;
let channel: Channel;

async function balanceOf(ticketd: RunningBinary, customerId: string): Promise<number> {
  return (await api<{ balance: number }>(`${ticketd.url}/v1/customers/${customerId}`, 'GET')).body.balance;
}

beforeAll(async () => {
  if (skip !== undefined) return;
  vhost = makeVhost('outage');
  connection = await amqp.connect(vhost.url);
  channel = await connection.createChannel();
}, 60_000);

afterAll(async () => {
  if (skip !== undefined) return;
  await connection?.close();
  vhost.remove();
}, 60_000);

describe.skipIf(skip !== undefined)('ticketd when RabbitMQ or ticketd itself goes away', () => {
  it('keeps HTTP working while the broker is away, says so in /ready, and catches up when it is back', async () => {
    const proxy = new CuttableProxy();
    await proxy.open();
    const ticketd = await startBinary({ args: ['--amqp-url', `amqp://guest:guest@127.0.0.1:${proxy.port}/${encodeURIComponent(vhost.name)}`] });
    try {
      await connected(ticketd);
      const app = await customerApp(channel, 'customer-4');

      await proxy.cut();
      const degraded = await until('/ready to say amqp is degraded', async () => {
        const ready = await readiness(ticketd);
        return ready.body.degraded?.includes('amqp') === true ? ready : undefined;
      });
      expect(degraded).toMatchObject({ status: 200, body: { ready: true, components: { amqp: 'connecting' }, degraded: ['amqp'] } });
      const now = new Date().toISOString();
      const byHttp = await api<{ taps: Array<{ status: string }> }>(`${ticketd.url}/v1/taps?wait=true`, 'POST', [
        { tapId: 'outage-http-1', customerId: 'customer-4', rideId: 'ride-a', machineId: 'gate-1', tappedAt: now },
      ]);
      expect(byHttp).toMatchObject({ status: 200, body: { taps: [{ status: 'issued' }] } });
      // Published to the broker itself (not through the cut proxy): they wait in ticketd's durable queue.
      machinePublishes(channel, 'customer-4', 'ride-b', now);
      machinePublishes(channel, 'customer-4', 'ride-c', now);

      await proxy.open();
      await connected(ticketd, 'the bridge to reconnect');
      const events = await app.atLeast(3);
      const rides = events.map((m) => (JSON.parse(m.content.toString()) as { ride_number: string }).ride_number).sort();
      expect(rides).toEqual(['ride-a', 'ride-b', 'ride-c']);
      expect((await readiness(ticketd)).body).toEqual({ ready: true, components: { amqp: 'connected' } });
    } finally {
      expect(await ticketd.stop('SIGTERM')).toBe(0);
      await proxy.cut();
    }
  }, 120_000);

  it('decides every tap exactly once across a SIGKILL with taps in flight', async () => {
    const first = await startBinary({ args: ['--amqp-url', vhost.url] });
    const customers = ['customer-1', 'customer-2', 'customer-3'];
    const taps = 2_400;
    let restarted: RunningBinary | undefined;
    try {
      await connected(first);
      for (const customerId of customers) {
        const topUp = await api(`${first.url}/v1/customers/${customerId}/top-ups`, 'POST', { topUpId: `kill-${customerId}`, amount: 1_000_000 });
        expect(topUp.status).toBe(201);
      }
      const before = await Promise.all(customers.map((id) => balanceOf(first, id)));
      const apps = await Promise.all(customers.map((id) => customerApp(channel, id)));
      const start = Date.now();
      const publish = (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          // One second apart in purchase time: every body differs, so every message is a tap of its own.
          machinePublishes(channel, customers[i % customers.length]!, 'ride-a', new Date(start - (taps - i) * 1_000).toISOString());
        }
      };
      publish(0, taps / 4);
      await until('some taps to be decided', async () => (apps.some((app) => app.messages.length > 0) ? true : undefined));
      // Killed while it takes the first quarter; the rest is published while it is down.
      expect(await first.stop('SIGKILL')).toBeNull();
      const beforeKill = apps.reduce((sum, app) => sum + app.messages.length, 0);
      publish(taps / 4, taps);
      console.log(`broker-outage: ${beforeKill} of ${taps / 4} CustomerEvents received before the SIGKILL`);

      restarted = await startBinary({ dataDir: first.dataDir, args: ['--amqp-url', vhost.url] });
      const server = restarted;
      const messageIds = await until('every tap to be published', async () => {
        const ids = new Set(apps.flatMap((app) => app.messages.map((m) => String(m.properties.messageId))));
        return ids.size >= taps ? ids : undefined;
      }, 60_000);
      expect(messageIds.size).toBe(taps);
      // Charged once per tap: each customer has one ticket per tap published for it, and lost exactly their prices.
      for (const [i, customerId] of customers.entries()) {
        const page = await api<{ tickets: Array<{ tapId: string; price: number }> }>(`${server.url}/v1/customers/${customerId}/tickets?limit=1000`, 'GET');
        const tickets = page.body.tickets;
        expect(tickets).toHaveLength(taps / customers.length);
        expect(new Set(tickets.map((t) => t.tapId)).size).toBe(tickets.length);
        const charged = tickets.reduce((sum, t) => sum + t.price, 0);
        expect(before[i]! - (await balanceOf(server, customerId))).toBe(charged);
      }
    } finally {
      if (first.process.exitCode === null && first.process.signalCode === null) await first.stop('SIGKILL');
      if (restarted !== undefined) expect(await restarted.stop('SIGTERM')).toBe(0);
    }
  }, 180_000);

  it('lives through the broker closing its connection (an operator, a broker restart) and reconnects', async () => {
    const ticketd = await startBinary({ args: ['--amqp-url', vhost.url] });
    try {
      await connected(ticketd);
      // CONNECTION_FORCED from the broker's side: an error event on the connection, which must not end the process.
      // Every connection of the vhost is closed, the test's own too: it is opened again below.
      connection.on('error', () => undefined);
      execFileSync('rabbitmqctl', ['close_all_connections', '-p', vhost.name, 'closed by the test'], { stdio: 'ignore', timeout: 60_000 });
      await until('the bridge to notice', async () => ((await readiness(ticketd)).body.components?.amqp !== 'connected' ? true : undefined), 15_000)
        .catch(() => undefined); // it may already be back: the reconnect starts at 100 ms
      await connected(ticketd, 'the bridge to reconnect');
      expect(ticketd.process.exitCode).toBeNull();
      expect(`${ticketd.stdout()}${ticketd.stderr()}`).toContain('closed by the test');
      // And it works: a tap from the reference's machine is decided.
      connection = await amqp.connect(vhost.url);
      channel = await connection.createChannel();
      const app = await customerApp(channel, 'customer-5');
      machinePublishes(channel, 'customer-5', 'ride-b', new Date().toISOString());
      expect((await app.atLeast(1)).length).toBe(1);
    } finally {
      expect(await ticketd.stop('SIGTERM')).toBe(0);
    }
  }, 60_000);
});
