/**
 * Among several nodes a customer's wallet is its owner's (issue 12). With two ticketd binaries on one broker: the
 * customer and its tickets read at either node are the owner's; a top-up posted at the node that does not own the
 * customer (at the desk, or by card by the customer) is applied once, on the owner, whose taps then charge the
 * topped-up wallet; the same topUpId again is a
 * duplicate, and the owner's refusals come back as the same HTTP answers. With two bridges in this process, each over an engine of the test's own: whichever node asks, the owner
 * answers the customer, its tickets and its top-ups, and an owner that is gone is a bounded `ERR_NOT_READY`; back,
 * it drops the questions nobody waits for, and none reaches the reference's dead-letter queue.
 */
import amqp from 'amqplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AmqpBridge } from '../../src/amqp/amqp-bridge.ts';
import type { Customer } from '../../src/domain/types.ts';
import { EngineError, type EngineApi } from '../../src/pipeline/engine-api.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import type { TicketPage, TopUpResult } from '../../src/store/store-types.ts';
import { api, startBinary, tap, type RunningBinary, type TapResult } from '../blackbox/binary.ts';
import { makeVhost, requireBrokerOrSkip, type TestVhost } from '../support/broker.ts';
import { connected, ticketsInDatabase, until } from './amqp-helpers.ts';

const skip = await requireBrokerOrSkip();

/** Enough customers that each of two nodes owns some, whatever the hash ring looks like. */
const CUSTOMERS = Array.from({ length: 12 }, (_, i) => `reads-c${String(i + 1).padStart(2, '0')}`);
const BALANCE = 1_000_000;
const TOP_UP = 2_500;
/** The wallets' bound (AMOUNT_MAX, src/domain/types.ts): a top-up of it on any balance above 0 passes it. */
const AMOUNT_MAX = 100_000_000;

let vhost: TestVhost;

// A vhost per test: a node's shard queue keeps its share of the hash ring after the node is gone.
beforeEach(() => {
  if (skip !== undefined) return;
  vhost = makeVhost('shard-reads');
}, 60_000);

afterEach(() => {
  if (skip !== undefined) return;
  vhost.remove();
}, 60_000);

async function startNode(nodeId: string): Promise<RunningBinary> {
  const node = await startBinary({ args: ['--amqp-url', vhost.url, '--amqp-node-id', nodeId] });
  await connected(node, `${nodeId} to connect`);
  return node;
}

async function balanceOn(node: RunningBinary, customerId: string): Promise<number> {
  const answer = await api<{ balance: number }>(`${node.url}/v1/customers/${customerId}`, 'GET');
  expect(answer.status).toBe(200);
  return answer.body.balance;
}

async function ticketCount(node: RunningBinary, customerId: string): Promise<number> {
  const answer = await api<{ tickets: unknown[] }>(`${node.url}/v1/customers/${customerId}/tickets?limit=1000`, 'GET');
  expect(answer.status).toBe(200);
  return answer.body.tickets.length;
}

type TopUpAnswer = { status: 'applied' | 'duplicate'; customer: { balance: number } } & { error?: { code: string } };

function topUp(node: RunningBinary, customerId: string, topUpId: string, amount: number) {
  return api<TopUpAnswer>(`${node.url}/v1/customers/${customerId}/top-ups`, 'POST', { topUpId, amount });
}

function issuedPrice(result: TapResult | undefined): number {
  expect(result?.status).toBe('issued');
  return result?.status === 'issued' ? result.price : Number.NaN;
}

describe.skipIf(skip !== undefined)('two nodes: a top-up at any node is applied on the owner', () => {
  it('credits the owner\'s wallet once, which the owner\'s taps then charge; duplicates and refusals answer as on one node', async () => {
    const nodes = new Map<string, RunningBinary>();
    try {
      for (const id of ['r1', 'r2']) nodes.set(id, await startNode(id));
      // Every node holds every customer; only the owner's copy is charged (and, now, credited).
      for (const node of nodes.values()) {
        for (const customerId of CUSTOMERS) {
          expect((await api(`${node.url}/v1/customers/${customerId}`, 'PUT', { name: customerId, tier: 'standard', balance: BALANCE })).status).toBe(201);
        }
      }
      // One tap per customer, through r1: each is decided, and its ticket kept, by the customer's owner alone.
      const first = await api<{ taps: TapResult[] }>(`${nodes.get('r1')!.url}/v1/taps`, 'POST', CUSTOMERS.map((c) => tap(`first-${c}`, c, 'ride-a')));
      expect(first.status).toBe(200);
      const firstTaps = first.body.taps;
      const owners = new Map<string, string>();
      for (const customerId of CUSTOMERS) {
        const holding = [...nodes].filter(([, node]) => ticketsInDatabase(node, customerId) > 0).map(([id]) => id);
        expect(holding, customerId).toHaveLength(1);
        owners.set(customerId, holding[0]!);
      }
      expect(new Set(owners.values())).toEqual(new Set(['r1', 'r2']));

      for (const ownerId of ['r1', 'r2']) {
        const customerId = CUSTOMERS.find((c) => owners.get(c) === ownerId)!;
        const owner = nodes.get(ownerId)!;
        const other = nodes.get(ownerId === 'r1' ? 'r2' : 'r1')!;
        const price = issuedPrice(firstTaps[CUSTOMERS.indexOf(customerId)]);
        const charged = BALANCE - price;
        // Read at either node, the customer is its owner's: the tap's charge is in the balance, the ticket listed.
        for (const node of [owner, other]) {
          expect(await balanceOn(node, customerId)).toBe(charged);
          expect(await ticketCount(node, customerId)).toBe(1);
        }

        // Posted at the node that does not own the customer: the owner's wallet answers, the tap's charge in it.
        const applied = await topUp(other, customerId, `topup-${customerId}`, TOP_UP);
        expect(applied.status, customerId).toBe(201);
        expect(applied.body).toMatchObject({ status: 'applied', customer: { balance: charged + TOP_UP } });
        expect(await balanceOn(owner, customerId)).toBe(charged + TOP_UP);

        // Asked again, at either node: applied once, on the owner.
        for (const node of [other, owner]) {
          const again = await topUp(node, customerId, `topup-${customerId}`, TOP_UP);
          expect(again.status).toBe(200);
          expect(again.body).toMatchObject({ status: 'duplicate', customer: { balance: charged + TOP_UP } });
        }
        expect(await balanceOn(owner, customerId)).toBe(charged + TOP_UP);

        // The owner's refusals, as codes: the same topUpId for another amount, and a wallet past its bound.
        const conflict = await topUp(other, customerId, `topup-${customerId}`, TOP_UP + 1);
        expect([conflict.status, conflict.body.error?.code]).toEqual([409, 'topup_conflict']);
        const tooMuch = await topUp(other, customerId, `too-much-${customerId}`, AMOUNT_MAX);
        expect([tooMuch.status, tooMuch.body.error?.code]).toEqual([409, 'balance_limit_exceeded']);

        // A tap through the other node is decided on the owner, against the topped-up wallet.
        const second = await api<{ taps: TapResult[] }>(`${other.url}/v1/taps`, 'POST', [tap(`second-${customerId}`, customerId, 'ride-a')]);
        expect(second.status).toBe(200);
        const secondPrice = issuedPrice(second.body.taps[0]);
        expect(second.body.taps[0]).toMatchObject({ balanceAfter: charged + TOP_UP - secondPrice });
        for (const node of [owner, other]) {
          expect(await balanceOn(node, customerId)).toBe(charged + TOP_UP - secondPrice);
          expect(await ticketCount(node, customerId)).toBe(2);
        }
        // The customer's own top-up by card, asked at the other node (its token is that node's): credited on the owner.
        const customerToken = (await api<{ token: string }>(`${other.url}/v1/tokens`, 'POST', { role: 'customer', customerId })).body.token;
        const card = await api(`${other.url}/v1/me/top-ups`, 'POST', { topUpId: `card-${customerId}`, amount: 1_000 }, { token: customerToken });
        expect(card.status).toBe(202);
        await until(`card top-up of ${customerId}`, async () => {
          const read = await api<{ topUp: { status: string } }>(`${other.url}/v1/me/top-ups/card-${customerId}`, 'GET', undefined, { token: customerToken });
          return read.body.topUp.status === 'pending' ? undefined : read.body.topUp.status;
        }, 15_000).then((status) => expect(status).toBe('succeeded'));
        expect(await balanceOn(owner, customerId)).toBe(charged + TOP_UP - secondPrice + 1_000);
        // And the tickets read at the other node are the owner's, page for page.
        const pages = await Promise.all([owner, other].map((node) => api(`${node.url}/v1/customers/${customerId}/tickets?limit=1`, 'GET')));
        expect(pages[1]!.body).toEqual(pages[0]!.body);
      }

      // A customer no node knows: 404 from either, for a top-up (asked of its would-be owner) and a read.
      for (const node of nodes.values()) {
        const unknown = await topUp(node, 'reads-nobody', 'topup-nobody', TOP_UP);
        expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'unknown_customer']);
        expect((await api(`${node.url}/v1/customers/reads-nobody`, 'GET')).status).toBe(404);
      }
    } finally {
      for (const node of nodes.values()) await node.stop('SIGTERM');
    }
  }, 120_000);
});

/** An engine of the test's: it knows `customers`, names each after this node, and counts the top-ups it applies. */
function nodeEngine(nodeId: string, customers: readonly string[]) {
  const wallets = new Map<string, Customer>(customers.map((id) => [id, { id, name: `${id} on ${nodeId}`, tier: 'standard', balance: BALANCE, currency: 'EUR' }]));
  const applied = new Map<string, { amount: number; requestId: string | undefined }>();
  const engine: ConstructorParameters<typeof AmqpBridge>[0]['engine'] = {
    submitTaps: () => Promise.reject(new EngineError('ERR_NOT_READY', 'no taps in this test')),
    feed: () => ({ events: [], nextCursor: '0' }),
    onNotifications: () => () => undefined,
    notificationsAfter: () => [],
    getCustomer: (id) => wallets.get(id),
    listTickets: (customerId, limit, cursor): TicketPage => ({ tickets: [], nextCursor: `${nodeId}:${customerId}:${limit}:${cursor ?? '-'}` }),
    topUp: async (customerId, topUpId, amount, context): Promise<TopUpResult> => {
      const wallet = wallets.get(customerId);
      if (wallet === undefined) throw new EngineError('ERR_UNKNOWN_CUSTOMER', `no customer '${customerId}'`);
      if (topUpId === 'busy') throw new EngineError('ERR_OVERLOADED', 'busy', 1_500);
      const before = applied.get(topUpId);
      if (before !== undefined && before.amount !== amount) throw new EngineError('ERR_TOPUP_CONFLICT', `${topUpId} was another amount`);
      if (before !== undefined) return { status: 'duplicate', customer: wallet };
      applied.set(topUpId, { amount, requestId: context?.requestId });
      wallet.balance += amount;
      const data = { customerId, balance: wallet.balance, currency: wallet.currency, change: amount, cause: { kind: 'top-up' as const, topUpId } };
      return { status: 'applied', customer: wallet, notification: { id: applied.size, customerId, createdAt: new Date(0).toISOString(), type: 'balance.changed', data } };
    },
  } satisfies Pick<EngineApi, 'submitTaps' | 'feed' | 'onNotifications' | 'notificationsAfter' | 'getCustomer' | 'listTickets' | 'topUp'>;
  return { engine, applied };
}

function bridgeOf(nodeId: string, engine: ConstructorParameters<typeof AmqpBridge>[0]['engine']): AmqpBridge {
  return new AmqpBridge({
    url: vhost.url, engine, machineId: 'gate-1', log: silentLogger, shard: { nodeId },
    cursor: { read: () => 0, write: () => undefined, head: () => 0 },
  });
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; retryAfterMs?: number }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    const { code, retryAfterMs } = error as EngineError;
    return { code, ...(retryAfterMs !== undefined && { retryAfterMs }) };
  }
  throw new Error('expected a refusal');
}

describe.skipIf(skip !== undefined)('two bridges: the owner answers for its customers', () => {
  it('answers the customer, its tickets and its top-ups to either node, and refuses with its own codes', async () => {
    const nodes = { b1: nodeEngine('b1', CUSTOMERS), b2: nodeEngine('b2', CUSTOMERS) };
    const bridges = { b1: bridgeOf('b1', nodes.b1.engine), b2: bridgeOf('b2', nodes.b2.engine) };
    try {
      for (const bridge of Object.values(bridges)) {
        await bridge.start();
        await until('the bridge to connect', async () => (bridge.status().state === 'connected' ? true : undefined), 30_000);
      }
      // Whichever node asks, one owner answers: its name says which, and both own some customers.
      const ownerOf = new Map<string, string>();
      for (const customerId of CUSTOMERS) {
        const [fromB1, fromB2] = [await bridges.b1.customerOnOwner(customerId, 10_000), await bridges.b2.customerOnOwner(customerId, 10_000)];
        expect(fromB1).toEqual(fromB2);
        ownerOf.set(customerId, fromB1!.name.split(' on ')[1]!);
      }
      expect(new Set(ownerOf.values())).toEqual(new Set(['b1', 'b2']));
      expect(await bridges.b1.customerOnOwner('reads-nobody', 10_000)).toBeUndefined();

      // The tickets' page as the owner cut it, with the asker's limit and cursor.
      const customerId = CUSTOMERS[0]!;
      const page = await bridges.b2.ticketsOnOwner(customerId, 7, 'after-this', 10_000);
      expect(page).toEqual({ tickets: [], nextCursor: `${ownerOf.get(customerId)}:${customerId}:7:after-this` });

      // A top-up asked by each node of a customer the other owns: applied by the owner alone, with the request id.
      for (const [askerId, asker] of Object.entries(bridges)) {
        const owned = CUSTOMERS.find((c) => ownerOf.get(c) !== askerId)!;
        const ownerId = ownerOf.get(owned) as 'b1' | 'b2';
        const result = await asker.topUpOnOwner(owned, `topup-${owned}`, TOP_UP, { requestId: `req-${askerId}` }, 10_000);
        expect(result.status).toBe('applied');
        expect(result.customer).toMatchObject({ id: owned, name: `${owned} on ${ownerId}`, balance: BALANCE + TOP_UP });
        expect(nodes[ownerId].applied.get(`topup-${owned}`)).toEqual({ amount: TOP_UP, requestId: `req-${askerId}` });
        expect(nodes[askerId as 'b1' | 'b2'].applied.has(`topup-${owned}`)).toBe(false);
        const again = await asker.topUpOnOwner(owned, `topup-${owned}`, TOP_UP, undefined, 10_000);
        expect(again).toMatchObject({ status: 'duplicate', customer: { balance: BALANCE + TOP_UP } });
        expect(await refusal(asker.topUpOnOwner(owned, `topup-${owned}`, TOP_UP + 1, undefined, 10_000))).toEqual({ code: 'ERR_TOPUP_CONFLICT' });
        expect(await refusal(asker.topUpOnOwner(owned, 'busy', TOP_UP, undefined, 10_000))).toEqual({ code: 'ERR_OVERLOADED', retryAfterMs: 1_500 });
      }
      expect(await refusal(bridges.b1.topUpOnOwner('reads-nobody', 'topup-nobody', TOP_UP, undefined, 10_000))).toEqual({ code: 'ERR_UNKNOWN_CUSTOMER' });

      // An owner that is gone leaves its shard queue bound: its customers' questions wait, bounded, and are refused.
      await bridges.b2.stop();
      const ofB2 = CUSTOMERS.find((c) => ownerOf.get(c) === 'b2')!;
      expect(await refusal(bridges.b1.customerOnOwner(ofB2, 500))).toEqual({ code: 'ERR_NOT_READY' });
      expect(await refusal(bridges.b1.topUpOnOwner(ofB2, `late-${ofB2}`, TOP_UP, undefined, 500))).toEqual({ code: 'ERR_NOT_READY' });

      // Back, the owner drops the questions nobody waits for any more: the late top-up is not applied, and nothing
      // went to the reference's dead-letter queue (a broker-side expiry would have put them there).
      bridges.b2 = bridgeOf('b2', nodes.b2.engine);
      await bridges.b2.start();
      await until('b2 to connect again', async () => (bridges.b2.status().state === 'connected' ? true : undefined), 30_000);
      const broker = await amqp.connect(vhost.url);
      try {
        const channel = await broker.createChannel();
        await until('b2 to read its queue', async () => ((await channel.checkQueue('ticketd.shard.b2')).messageCount === 0 ? true : undefined), 15_000);
        expect((await channel.checkQueue('ticketd.dead_letters')).messageCount).toBe(0);
      } finally {
        await broker.close();
      }
      expect(nodes.b2.applied.has(`late-${ofB2}`)).toBe(false);
      expect(await bridges.b1.customerOnOwner(ofB2, 10_000)).toMatchObject({ id: ofB2, name: `${ofB2} on b2` });
    } finally {
      for (const bridge of Object.values(bridges)) await bridge.stop();
    }
  }, 60_000);
});
