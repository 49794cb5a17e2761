import { describe, expect, it } from 'vitest';
import { createTestKit } from '../../src/testkit/test-kit.ts';
import { props } from './helpers.ts';

describe('tell and ask', () => {
  it('delivers told messages in order and answers asks with the handler result', async () => {
    const kit = createTestKit({ seed: 1 });
    const seen: number[] = [];
    const adder = kit.system.spawn<number, number>(
      props('adder', () => {
        let total = 0;
        return { receive: (n) => (seen.push(n), (total += n)) };
      }),
    );
    adder.tell(1);
    adder.tell(2);
    const answer = adder.ask(3, { timeoutMs: 100 });
    await kit.settle();
    await expect(answer).resolves.toBe(6);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('handles one message at a time even when the handler is async', async () => {
    const kit = createTestKit({ seed: 2 });
    let inFlight = 0;
    let maxInFlight = 0;
    const order: string[] = [];
    const worker = kit.system.spawn<string, string>(
      props('worker', () => ({
        async receive(m) {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          order.push(`start ${m}`);
          await Promise.resolve();
          await Promise.resolve();
          order.push(`end ${m}`);
          inFlight--;
          return m.toUpperCase();
        },
      })),
    );
    const replies = ['a', 'b', 'c'].map((m) => worker.ask(m, { timeoutMs: 100 }));
    await kit.settle();
    expect(await Promise.all(replies)).toEqual(['A', 'B', 'C']);
    expect(maxInFlight).toBe(1);
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('an ask times out with ERR_ASK_TIMEOUT naming the target, and the late reply becomes a dead letter', async () => {
    const kit = createTestKit({ seed: 3 });
    const slow = kit.system.spawn<string, string>(
      props('slow', () => ({
        receive: (m, ctx) =>
          new Promise<string>((resolve) => ctx.runtime.clock.setTimer(() => resolve(`late ${m}`), 500)),
      })),
    );
    const answer = slow.ask('q', { timeoutMs: 100 });
    const settled = answer.catch((e: unknown) => e);
    await kit.advance(100);
    const error = await settled;
    expect(error).toMatchObject({ code: 'ERR_ASK_TIMEOUT', target: '/user/slow' });
    expect((error as Error).message).toContain('/user/slow');
    expect(kit.deadLettersWith('ask_timeout')).toHaveLength(0);
    await kit.advance(400);
    expect(kit.deadLettersWith('ask_timeout')).toEqual([
      expect.objectContaining({ message: 'late q', recipient: 'ask:/user/slow', reason: 'ask_timeout' }),
    ]);
  });

  it('many asks with different timeouts expire in deadline order, each once', async () => {
    const kit = createTestKit({ seed: 4 });
    const silent = kit.system.spawn<number, number>(
      props('silent', () => ({ receive: () => new Promise<number>(() => {}) }), { mailbox: { capacity: 10, overflow: 'reject' } }),
    );
    const expired: number[] = [];
    for (const t of [300, 100, 200]) silent.ask(t, { timeoutMs: t }).catch(() => expired.push(t));
    await kit.advance(150);
    expect(expired).toEqual([100]);
    await kit.advance(200);
    expect(expired).toEqual([100, 200, 300]);
    expect(kit.system.asks.pending).toBe(0);
  });

  it('an ask that cannot be delivered rejects at once with the reason', async () => {
    const kit = createTestKit({ seed: 5 });
    const tiny = kit.system.spawn<number, number>(
      props('tiny', () => ({ receive: (n) => n }), { mailbox: { capacity: 1, overflow: 'reject' } }),
    );
    tiny.tell(1);
    await expect(tiny.ask(2, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'ERR_MAILBOX_FULL', target: '/user/tiny' });
    tiny.kill();
    await expect(tiny.ask(3, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'ERR_ACTOR_STOPPED' });
  });

  it('refuses more pending asks than the system allows', async () => {
    const kit = createTestKit({ seed: 6, askCapacity: 2 });
    const silent = kit.system.spawn<number, number>(props('silent', () => ({ receive: () => new Promise<number>(() => {}) })));
    silent.ask(1, { timeoutMs: 100 }).catch(() => {});
    silent.ask(2, { timeoutMs: 100 }).catch(() => {});
    await expect(silent.ask(3, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'ERR_ASK_CAPACITY' });
  });

  it('rejects an ask timeout that is not a positive finite number', async () => {
    const kit = createTestKit({ seed: 7 });
    const echo = kit.system.spawn<number, number>(props('echo', () => ({ receive: (n) => n })));
    await expect(echo.ask(1, { timeoutMs: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(echo.ask(1, { timeoutMs: Infinity })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });
});

describe('mailbox policies through actors', () => {
  it('reject: the sender learns at once and the message is a dead letter mailbox_full', () => {
    const kit = createTestKit({ seed: 8 });
    const ref = kit.system.spawn<number>(props('r', () => ({ receive: () => {} }), { mailbox: { capacity: 2, overflow: 'reject' } }));
    expect([ref.tell(1), ref.tell(2), ref.tell(3)]).toEqual([true, true, false]);
    expect(kit.deadLetters).toEqual([expect.objectContaining({ message: 3, recipient: '/user/r', reason: 'mailbox_full', attempts: 0 })]);
  });

  it('drop-oldest and drop-newest dead-letter the dropped message as dropped', () => {
    const kit = createTestKit({ seed: 9 });
    const oldest = kit.system.spawn<number>(props('o', () => ({ receive: () => {} }), { mailbox: { capacity: 1, overflow: 'drop-oldest' } }));
    const newest = kit.system.spawn<number>(props('n', () => ({ receive: () => {} }), { mailbox: { capacity: 1, overflow: 'drop-newest' } }));
    oldest.tell(1);
    oldest.tell(2);
    newest.tell(1);
    newest.tell(2);
    expect(kit.deadLetters.map((d) => [d.recipient, d.message, d.reason])).toEqual([
      ['/user/o', 1, 'dropped'],
      ['/user/n', 2, 'dropped'],
    ]);
  });

  it('backpressure: send waits for room while the actor works through its mailbox', async () => {
    const kit = createTestKit({ seed: 10 });
    const seen: number[] = [];
    const ref = kit.system.spawn<number>(
      props('bp', () => ({ receive: (n) => void seen.push(n) }), { mailbox: { capacity: 1, overflow: 'backpressure' } }),
    );
    ref.tell(1);
    const sent = ref.send(2, { timeoutMs: 1_000 });
    await kit.settle();
    await sent;
    await kit.settle();
    expect(seen).toEqual([1, 2]);
    expect(kit.deadLetters).toEqual([]);
  });

  it('is fair: an actor handles at most `throughput` messages before another gets its turn', () => {
    const kit = createTestKit({ seed: 11 });
    const trace: string[] = [];
    const make = (name: string) =>
      kit.system.spawn<number>(props(name, () => ({ receive: (n) => void trace.push(`${name}${n}`) }), { throughput: 2 }));
    const a = make('a');
    const b = make('b');
    for (let i = 0; i < 4; i++) a.tell(i);
    for (let i = 0; i < 4; i++) b.tell(i);
    kit.runUntilIdle();
    expect(trace).toEqual(['a0', 'a1', 'b0', 'b1', 'a2', 'a3', 'b2', 'b3']);
  });
});
