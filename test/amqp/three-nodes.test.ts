/**
 * Three ticketd nodes on one broker, each owning a share of the customers (issue 12): SIGKILL one of them while the
 * reference's taps pour in. Its shard's taps wait durably in its queue while the other two go on deciding theirs;
 * when it comes back it decides them. In the end every tap is decided exactly once, by the one node that owns its
 * customer (all of a customer's tickets on one node), and every wallet is charged exactly its tickets' prices.
 */
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, collectEvents, startBinary, type RunningBinary } from '../blackbox/binary.ts';
import { makeVhost, requireBrokerOrSkip, type TestVhost } from '../support/broker.ts';
import { bind, connected, machinePublishes, ticketsInDatabase, until } from './amqp-helpers.ts';

const skip = await requireBrokerOrSkip();

/** Enough customers that each node owns some, whatever the hash ring looks like. */
const CUSTOMERS = Array.from({ length: 24 }, (_, i) => `shard-c${String(i + 1).padStart(2, '0')}`);
const TAPS_PER_CUSTOMER = 40;
const BALANCE = 1_000_000;

let vhost: TestVhost;
let connection: ChannelModel;
let channel: Channel;

async function startNode(nodeId: string, dataDir?: string): Promise<RunningBinary> {
  const node = await startBinary({ ...(dataDir !== undefined && { dataDir }), args: ['--amqp-url', vhost.url, '--amqp-node-id', nodeId] });
  await connected(node, `${nodeId} to connect`);
  return node;
}

async function ticketsOn(node: RunningBinary, customerId: string): Promise<Array<{ tapId: string; price: number }>> {
  const answer = await api<{ tickets: Array<{ tapId: string; price: number }> }>(`${node.url}/v1/customers/${customerId}/tickets?limit=1000`, 'GET');
  expect(answer.status).toBe(200);
  return answer.body.tickets;
}

// A vhost per test: a node's shard queue keeps its share of the hash ring after the node is gone, so clusters of
// two tests must not meet.
beforeEach(async () => {
  if (skip !== undefined) return;
  vhost = makeVhost('shards');
  connection = await amqp.connect(vhost.url);
  channel = await connection.createChannel();
}, 60_000);

afterEach(async () => {
  if (skip !== undefined) return;
  await connection?.close();
  vhost.remove();
}, 60_000);

describe.skipIf(skip !== undefined)('three nodes, one killed', () => {
  it('decides every tap once on the node owning its customer; a killed node catches up, the others go on', async () => {
    const nodes = new Map<string, RunningBinary>();
    try {
      for (const id of ['n1', 'n2', 'n3']) nodes.set(id, await startNode(id));
      // Every node holds every customer (a node decides only those it owns; the others' copies stay untouched).
      for (const node of nodes.values()) {
        for (const customerId of CUSTOMERS) {
          const put = await api(`${node.url}/v1/customers/${customerId}`, 'PUT', { name: customerId, tier: 'standard', balance: BALANCE });
          expect(put.status).toBe(201);
        }
      }
      const events = await bind(channel, 'customer_events_exchange', '#');
      const total = CUSTOMERS.length * TAPS_PER_CUSTOMER;
      const start = Date.now();
      const publish = (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          machinePublishes(channel, CUSTOMERS[i % CUSTOMERS.length]!, 'ride-a', new Date(start - (total - i) * 1_000).toISOString());
        }
      };
      publish(0, total / 4);
      await until('the first decisions', async () => (events.messages.length > 0 ? true : undefined));
      expect(await nodes.get('n2')!.stop('SIGKILL')).toBeNull();
      publish(total / 4, total);

      // While n2 is down the other shards go on: their customers get every ticket, n2's wait in its queue.
      const perCustomer = () => {
        const counts = new Map<string, number>();
        for (const m of events.messages) {
          const customerId = (JSON.parse(m.content.toString()) as { customer_id: string }).customer_id;
          counts.set(customerId, (counts.get(customerId) ?? 0) + 1);
        }
        return counts;
      };
      const { messageCount: waiting } = await until('n2\'s shard queue to hold its taps', async () => {
        const queue = await channel.checkQueue('ticketd.shard.n2');
        const complete = [...perCustomer().values()].filter((n) => n === TAPS_PER_CUSTOMER).length;
        return queue.messageCount > 0 && complete > 0 && (await channel.checkQueue('ticketd.taps')).messageCount === 0 ? queue : undefined;
      });
      expect(waiting).toBeGreaterThan(0);

      nodes.set('n2', await startNode('n2', nodes.get('n2')!.dataDir));
      await until('every tap to be decided and published', async () => {
        const counts = perCustomer();
        return CUSTOMERS.every((c) => (counts.get(c) ?? 0) >= TAPS_PER_CUSTOMER) ? true : undefined;
      }, 120_000);

      const owners = new Map<string, number>();
      for (const customerId of CUSTOMERS) {
        // One owner per customer, whose database alone holds its tickets: one per tap, each charged once. Read at
        // any node, the customer and its tickets are the owner's.
        const owning = [...nodes.entries()].filter(([, node]) => ticketsInDatabase(node, customerId) > 0);
        expect(owning.map(([id]) => id), customerId).toHaveLength(1);
        const [id] = owning[0]!;
        const node = nodes.get(['n1', 'n2', 'n3'].find((other) => other !== id)!)!;
        const tickets = await ticketsOn(node, customerId);
        expect(ticketsInDatabase(owning[0]![1], customerId)).toBe(TAPS_PER_CUSTOMER);
        expect(tickets).toHaveLength(TAPS_PER_CUSTOMER);
        expect(new Set(tickets.map((t) => t.tapId)).size).toBe(TAPS_PER_CUSTOMER);
        const balance = (await api<{ balance: number }>(`${node.url}/v1/customers/${customerId}`, 'GET')).body.balance;
        expect(BALANCE - balance).toBe(tickets.reduce((sum, t) => sum + t.price, 0));
        owners.set(id, (owners.get(id) ?? 0) + 1);
      }
      expect([...owners.keys()].sort()).toEqual(['n1', 'n2', 'n3']);
      // The CustomerEvents a consumer may see twice (republished after the kill) share their message-id.
      const ids = new Set(events.messages.map((m) => String(m.properties.messageId)));
      expect(ids.size).toBe(total);
    } finally {
      for (const node of nodes.values()) {
        if (node.process.exitCode === null && node.process.signalCode === null) await node.stop('SIGTERM');
      }
    }
  }, 240_000);

  it('sends an HTTP tap at any node to the node owning its customer, and answers with its outcome', async () => {
    const nodes = new Map<string, RunningBinary>();
    try {
      for (const id of ['h1', 'h2']) nodes.set(id, await startNode(id));
      const customers = CUSTOMERS.slice(0, 12);
      for (const node of nodes.values()) {
        for (const customerId of customers) {
          expect((await api(`${node.url}/v1/customers/${customerId}`, 'PUT', { name: customerId, tier: 'standard', balance: BALANCE })).status).toBe(201);
        }
      }
      const h1 = nodes.get('h1')!;
      const tappedAt = new Date().toISOString();
      const taps = customers.map((customerId, i) => ({ tapId: `http-${i}`, customerId, rideId: 'ride-a', machineId: 'gate-1', tappedAt }));
      const answer = await api<{ taps: Array<{ tapId: string; status: string }> }>(`${h1.url}/v1/taps`, 'POST', taps);
      expect(answer.status).toBe(200);
      expect(answer.body.taps.map((t) => [t.tapId, t.status])).toEqual(taps.map((t) => [t.tapId, 'issued']));
      // Sent again: the owners know them.
      const again = await api<{ taps: Array<{ status: string }> }>(`${h1.url}/v1/taps`, 'POST', taps);
      expect(again.body.taps.map((t) => t.status)).toEqual(taps.map(() => 'duplicate'));
      const owners = new Set<string>();
      for (const customerId of customers) {
        const held = [...nodes.entries()].map(([id, node]) => ({ id, tickets: ticketsInDatabase(node, customerId) }));
        const owning = held.filter((h) => h.tickets > 0);
        expect(owning.map((h) => h.tickets), customerId).toEqual([1]);
        owners.add(owning[0]!.id);
      }
      // Some of the taps sent to h1 were decided by h2: they went through the broker to their owner.
      expect([...owners].sort()).toEqual(['h1', 'h2']);
    } finally {
      for (const node of nodes.values()) await node.stop('SIGTERM');
    }
  }, 120_000);

  it("serves a customer's event stream on any node, numbered by its owner: Last-Event-ID resumes across nodes gap-free", async () => {
    const nodes = new Map<string, RunningBinary>();
    try {
      for (const id of ['s1', 's2']) nodes.set(id, await startNode(id));
      const customers = CUSTOMERS.slice(0, 12);
      for (const node of nodes.values()) {
        for (const customerId of customers) {
          expect((await api(`${node.url}/v1/customers/${customerId}`, 'PUT', { name: customerId, tier: 'standard', balance: BALANCE })).status).toBe(201);
        }
      }
      const [s1, s2] = [nodes.get('s1')!, nodes.get('s2')!];
      const tap = (customerId: string, n: number) => ({
        tapId: `sse-${customerId}-${n}`, customerId, rideId: 'ride-a', machineId: 'gate-1', tappedAt: new Date(Date.now() - 1_000 + n).toISOString(),
      });
      // One tap per customer through s1 shows who owns whom; pick a customer s2 owns, to read on s1.
      expect((await api(`${s1.url}/v1/taps`, 'POST', customers.map((c) => tap(c, 1)))).status).toBe(200);
      const ownedByS2: string[] = [];
      for (const c of customers) if (ticketsInDatabase(s2, c) > 0) ownedByS2.push(c);
      const customerId = ownedByS2[0]!;
      expect(customerId).toBeDefined();

      // On s1, which does not own it: the ticket of tap 1 from the start, then tap 2 live.
      const remote = collectEvents(`${s1.url}/v1/customers/${customerId}/events`, 2, { lastEventId: 0, timeoutMs: 30_000 });
      await remote.connected;
      expect((await api(`${s1.url}/v1/taps`, 'POST', [tap(customerId, 2)])).status).toBe(200);
      const seen = await remote.events;
      expect(seen.map((e) => [e.event, e.data.tapId])).toEqual([['ticket.issued', `sse-${customerId}-1`], ['ticket.issued', `sse-${customerId}-2`]]);

      // Tap 3 while nobody listens; resumed on s2, the owner, after the last id s1 sent: exactly what followed.
      expect((await api(`${s2.url}/v1/taps`, 'POST', [tap(customerId, 3)])).status).toBe(200);
      const resumed = await collectEvents(`${s2.url}/v1/customers/${customerId}/events`, 1, { lastEventId: seen.at(-1)!.id, timeoutMs: 30_000 }).events;
      expect(resumed[0]).toMatchObject({ event: 'ticket.issued', data: { tapId: `sse-${customerId}-3` } });
      expect(resumed[0]!.id).toBeGreaterThan(seen.at(-1)!.id);
      // And the owner numbers the same events as s1 sent them.
      const again = await collectEvents(`${s2.url}/v1/customers/${customerId}/events`, seen.length, { lastEventId: 0, timeoutMs: 30_000 }).events;
      expect(again.slice(0, seen.length).map((e) => [e.id, e.event])).toEqual(seen.map((e) => [e.id, e.event]));
    } finally {
      for (const node of nodes.values()) await node.stop('SIGTERM');
    }
  }, 120_000);
});
