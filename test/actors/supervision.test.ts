import { describe, expect, it } from 'vitest';
import type { ActorRef } from '../../src/actors/actor-ref.ts';
import { allForOne, backoffDelayMs, oneForOne, type Directive } from '../../src/actors/supervisor.ts';
import { seededRandom } from '../../src/platform/random.ts';
import { createTestKit, type TestKit } from '../../src/testkit/test-kit.ts';
import { Boom, props } from './helpers.ts';

type Cmd = { kind: 'add'; n: number } | { kind: 'fail' } | { kind: 'get' };

/** A parent with one counting child; the child's state lives in its behavior, so a restart resets it. */
function family(kit: TestKit, decide: (e: unknown) => Directive, extra: { deliveryLimit?: number } = {}) {
  const log: string[] = [];
  let child!: ActorRef<Cmd, number>;
  kit.system.spawn<string>(
    props(
      'parent',
      () => ({
        receive: () => {},
        preStart: (ctx) => {
          child = ctx.spawn<Cmd, number>(
            props(
              'child',
              () => {
                let count = 0;
                return {
                  receive: (cmd) => {
                    if (cmd.kind === 'fail') throw new Boom();
                    if (cmd.kind === 'add') count += cmd.n;
                    return count;
                  },
                  preStart: () => void log.push('preStart'),
                  preRestart: (_e, m) => void log.push(`preRestart ${JSON.stringify(m)}`),
                  postRestart: () => void log.push('postRestart'),
                  postStop: () => void log.push('postStop'),
                };
              },
              extra,
            ),
          );
        },
      }),
      { supervisor: oneForOne({ decide, maxRestarts: 100, withinMs: 1_000 }) },
    ),
  );
  return { log, child: () => child };
}

describe('supervision directives', () => {
  it('resume keeps the state; the failed message is retried up to the delivery limit, then dead-lettered', async () => {
    const kit = createTestKit({ seed: 21 });
    const { child } = family(kit, () => 'resume', { deliveryLimit: 2 });
    child().tell({ kind: 'add', n: 5 });
    child().tell({ kind: 'fail' });
    child().tell({ kind: 'add', n: 1 });
    await kit.settle();
    const count = child().ask({ kind: 'get' }, { timeoutMs: 100 });
    await kit.settle();
    await expect(count).resolves.toBe(6);
    expect(kit.deadLettersWith('delivery_limit')).toEqual([
      expect.objectContaining({ message: { kind: 'fail' }, attempts: 2, error: 'Boom: boom', recipient: '/user/parent/child' }),
    ]);
  });

  it('restart gives fresh state and runs the restart hooks in order', async () => {
    const kit = createTestKit({ seed: 22 });
    const { child, log } = family(kit, () => 'restart', { deliveryLimit: 1 });
    child().tell({ kind: 'add', n: 5 });
    child().tell({ kind: 'fail' });
    await kit.settle();
    const count = child().ask({ kind: 'get' }, { timeoutMs: 100 });
    await kit.settle();
    await expect(count).resolves.toBe(0);
    expect(log).toEqual(['preStart', 'preRestart {"kind":"fail"}', 'postRestart']);
    expect(kit.events.filter((e) => e.type === 'restarted').map((e) => 'path' in e && e.path)).toEqual(['/user/parent/child']);
  });

  it('stop ends the failed child and dead-letters what it had queued', async () => {
    const kit = createTestKit({ seed: 23 });
    const { child, log } = family(kit, () => 'stop');
    child().tell({ kind: 'fail' });
    child().tell({ kind: 'add', n: 1 });
    await kit.settle();
    expect(child().state).toBe('stopped');
    expect(log).toEqual(['preStart', 'postStop']);
    expect(kit.deadLettersWith('actor_stopped').map((d) => d.message)).toEqual([{ kind: 'fail' }, { kind: 'add', n: 1 }]);
  });

  it('a poison message is dead-lettered after exactly the delivery limit and never loops', async () => {
    const kit = createTestKit({ seed: 24 });
    let attempts = 0;
    const handled: number[] = [];
    const ref = kit.system.spawn<number>(
      props('poisoned', () => ({
        receive: (n) => {
          if (n === 13) {
            attempts++;
            throw new Boom('poison');
          }
          handled.push(n);
        },
      }), { deliveryLimit: 4 }),
    );
    [1, 13, 2].forEach((n) => ref.tell(n));
    await kit.settle();
    expect(attempts).toBe(4);
    expect(handled).toEqual([1, 2]);
    const [dead] = kit.deadLettersWith('delivery_limit');
    expect(dead).toMatchObject({ message: 13, attempts: 4, error: 'Boom: poison' });
    expect(dead!.firstAt).toBeLessThanOrEqual(dead!.lastAt);
  });

  it('escalate makes the parent fail, and its own parent decides', async () => {
    const kit = createTestKit({ seed: 25 });
    const log: string[] = [];
    let child!: ActorRef<string>;
    kit.system.spawn<string>(
      props('grandparent', () => ({
        receive: () => {},
        preStart: (ctx) => {
          ctx.spawn<string>(
            props('parent', () => ({
              receive: () => {},
              preStart: (pctx) => {
                log.push('parent started');
                child = pctx.spawn<string>(props('child', () => ({ receive: () => { throw new Boom(); } })));
              },
            }), { supervisor: oneForOne({ decide: () => 'escalate' }) }),
          );
        },
      }), { supervisor: oneForOne({ decide: () => 'restart' }) }),
    );
    const first = child;
    first.tell('x');
    await kit.settle();
    expect(first.state).toBe('stopped');
    expect(log).toEqual(['parent started', 'parent started']);
    expect(child).not.toBe(first);
    expect(child.state).toBe('running');
    expect(kit.events.filter((e) => e.type === 'escalated')).toHaveLength(1);
  });

  it('all-for-one restarts every sibling when one fails', async () => {
    const kit = createTestKit({ seed: 26 });
    const starts: string[] = [];
    const refs: Record<string, ActorRef<string>> = {};
    kit.system.spawn<string>(
      props('parent', () => ({
        receive: () => {},
        preStart: (ctx) => {
          for (const name of ['a', 'b', 'c']) {
            refs[name] = ctx.spawn<string>(
              props(name, () => ({
                receive: (m) => { if (m === 'fail') throw new Boom(); },
                preStart: () => void starts.push(name),
                postRestart: () => void starts.push(`${name} restarted`),
              }), { deliveryLimit: 1 }),
            );
          }
        },
      }), { supervisor: allForOne({ decide: () => 'restart' }) }),
    );
    refs.b!.tell('fail');
    await kit.settle();
    expect(starts).toEqual(['a', 'b', 'c', 'a restarted', 'b restarted', 'c restarted']);
  });
});

describe('restart intensity and backoff', () => {
  it('more than maxRestarts within the window escalates to the root, which stops the actor and says so', async () => {
    const escalations: string[] = [];
    const kit = createTestKit({
      seed: 27,
      guardian: oneForOne({ decide: () => 'restart', maxRestarts: 2, withinMs: 1_000 }),
      onEscalation: (path) => escalations.push(path),
    });
    const ref = kit.system.spawn<string>(props('flaky', () => ({ receive: () => { throw new Boom(); } }), { deliveryLimit: 100 }));
    ref.tell('x');
    await kit.settle();
    expect(kit.events.filter((e) => e.type === 'restarted')).toHaveLength(2);
    expect(escalations).toEqual(['/user/flaky']);
    expect(ref.state).toBe('stopped');
  });

  it('restarts outside the window do not count towards the intensity', async () => {
    const kit = createTestKit({ seed: 28, guardian: oneForOne({ decide: () => 'restart', maxRestarts: 1, withinMs: 100 }) });
    const ref = kit.system.spawn<string>(props('spaced', () => ({ receive: () => { throw new Boom(); } }), { deliveryLimit: 1 }));
    for (let i = 0; i < 3; i++) {
      ref.tell('x');
      await kit.settle();
      await kit.advance(150);
    }
    expect(ref.state).toBe('running');
    expect(kit.events.filter((e) => e.type === 'restarted')).toHaveLength(3);
  });

  it('backs off exponentially in virtual time: 100, 200, 400, 800 ms', async () => {
    const kit = createTestKit({
      seed: 29,
      guardian: oneForOne({ decide: () => 'restart', maxRestarts: 10, withinMs: 60_000, backoff: { minMs: 100, maxMs: 10_000, jitter: 0 } }),
    });
    const start = kit.clock.now();
    const ref = kit.system.spawn<string>(props('backoff', () => ({ receive: () => { throw new Boom(); } }), { deliveryLimit: 4 }));
    ref.tell('x');
    await kit.advance(10_000);
    const restartedAt = kit.events.filter((e) => e.type === 'restarted').map((e) => e.at - start);
    // Four attempts, four failures, four restarts; the fifth delivery would exceed the limit.
    expect(restartedAt).toEqual([100, 300, 700, 1_500]);
    expect(kit.deadLettersWith('delivery_limit')).toHaveLength(1);
  });

  it('jitter is seeded: the same seed gives the same delays, always within the spread', () => {
    const backoff = { minMs: 100, maxMs: 1_000, jitter: 0.5 };
    const run = (seed: number) => {
      const random = seededRandom(seed);
      return [1, 2, 3, 4, 5].map((n) => backoffDelayMs(backoff, n, random));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    run(7).forEach((delay, i) => {
      const base = Math.min(1_000, 100 * 2 ** i);
      expect(delay).toBeGreaterThanOrEqual(base * 0.5);
      expect(delay).toBeLessThanOrEqual(base * 1.5);
    });
  });

  it('validates strategy options, naming the option', () => {
    expect(() => oneForOne({ maxRestarts: -1 })).toThrow(/maxRestarts/);
    expect(() => oneForOne({ backoff: { minMs: 10, maxMs: 5 } })).toThrow(/backoff.maxMs/);
    expect(() => oneForOne({ backoff: { jitter: 2 } })).toThrow(/jitter/);
  });
});

describe('control messages', () => {
  it('a child failure overtakes the parent’s full mailbox', async () => {
    const kit = createTestKit({ seed: 30 });
    const order: string[] = [];
    let child!: ActorRef<string>;
    const parent = kit.system.spawn<string>(
      props('parent', () => ({
        receive: (m) => void order.push(`parent ${m}`),
        preStart: (ctx) => {
          child = ctx.spawn<string>(props('child', () => ({
            receive: (m) => { if (m === 'fail') throw new Boom(); },
          }), { deliveryLimit: 1 }));
        },
      }), {
        mailbox: { capacity: 3, overflow: 'reject' },
        supervisor: oneForOne({ decide: () => (order.push('parent decided'), 'restart') }),
      }),
    );
    child.tell('fail');
    kit.step(); // the child fails; the parent hears of it on its control lane
    for (const m of ['1', '2', '3']) parent.tell(m);
    expect(parent.tell('4')).toBe(false);
    await kit.settle();
    expect(order[0]).toBe('parent decided');
    expect(order.slice(1)).toEqual(['parent 1', 'parent 2', 'parent 3']);
  });
});
