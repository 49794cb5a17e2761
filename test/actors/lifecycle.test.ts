import { describe, expect, it } from 'vitest';
import { createTestKit } from '../../src/testkit/test-kit.ts';
import { Boom, props } from './helpers.ts';

describe('stop and kill', () => {
  it('stop drains the queued messages first; kill dead-letters them', async () => {
    const kit = createTestKit({ seed: 41 });
    const handled: string[] = [];
    const make = (name: string) => kit.system.spawn<number>(props(name, () => ({ receive: (n) => void handled.push(`${name}${n}`) })));
    const graceful = make('g');
    const abrupt = make('k');
    for (const n of [1, 2, 3]) {
      graceful.tell(n);
      abrupt.tell(n);
    }
    const stopped = graceful.stop();
    abrupt.kill();
    await kit.settle();
    await stopped;
    expect(handled).toEqual(['g1', 'g2', 'g3']);
    expect(kit.deadLettersWith('actor_stopped').map((d) => [d.recipient, d.message])).toEqual([
      ['/user/k', 1],
      ['/user/k', 2],
      ['/user/k', 3],
    ]);
    expect([graceful.state, abrupt.state]).toEqual(['stopped', 'stopped']);
  });

  it('a stopping actor refuses new messages, and a stopped one dead-letters them as actor_stopped', async () => {
    const kit = createTestKit({ seed: 42 });
    const ref = kit.system.spawn<number>(props('s', () => ({ receive: () => {} })));
    ref.tell(1);
    ref.tell(1.5);
    const stopped = ref.stop();
    kit.step(); // handles the stop control message and one message: now stopping, one still queued
    expect(ref.state).toBe('stopping');
    expect(ref.tell(2)).toBe(false);
    await kit.settle();
    await stopped;
    expect(ref.tell(3)).toBe(false);
    expect(kit.deadLettersWith('actor_stopped').map((d) => d.message)).toEqual([2, 3]);
  });

  it('stop drains only within its deadline; what is left becomes dead letters', async () => {
    const kit = createTestKit({ seed: 43 });
    const handled: number[] = [];
    const ref = kit.system.spawn<number>(
      props('slow', () => ({
        receive: (n, ctx) =>
          new Promise<void>((resolve) => ctx.runtime.clock.setTimer(() => (handled.push(n), resolve()), 400)),
      }), { stopTimeoutMs: 1_000 }),
    );
    for (const n of [1, 2, 3, 4]) ref.tell(n);
    const stopped = ref.stop();
    await kit.advance(1_000);
    await stopped;
    expect(handled).toEqual([1, 2]);
    expect(kit.deadLettersWith('actor_stopped').map((d) => d.message)).toEqual([4]);
    expect(ref.state).toBe('stopped');
  });

  it('children stop before their parent, deepest first', async () => {
    const kit = createTestKit({ seed: 44 });
    const stops: string[] = [];
    const node = (name: string, kids: string[]) =>
      props<string>(name, () => ({
        receive: () => {},
        preStart: (ctx) => kids.forEach((k) => ctx.spawn(node(k, k === 'b' ? ['b1'] : []))),
        postStop: () => void stops.push(name),
      }));
    const root = kit.system.spawn<string>(node('root', ['a', 'b']));
    const stopped = root.stop();
    await kit.settle();
    await stopped;
    expect(stops.indexOf('b1')).toBeLessThan(stops.indexOf('b'));
    expect(stops.at(-1)).toBe('root');
    expect(stops.sort()).toEqual(['a', 'b', 'b1', 'root']);
  });

  it('the system stops every actor and refuses new ones', async () => {
    const kit = createTestKit({ seed: 45 });
    const a = kit.system.spawn<string>(props('a', () => ({ receive: () => {} })));
    const stopping = kit.system.stop();
    await kit.settle();
    await stopping;
    expect(a.state).toBe('stopped');
    expect(() => kit.system.spawn<string>(props('b', () => ({ receive: () => {} })))).toThrow(
      expect.objectContaining({ code: 'ERR_SYSTEM_STOPPED' }),
    );
  });

  it('refuses a duplicate or malformed name', () => {
    const kit = createTestKit({ seed: 46 });
    kit.system.spawn<string>(props('twin', () => ({ receive: () => {} })));
    expect(() => kit.system.spawn<string>(props('twin', () => ({ receive: () => {} })))).toThrow(
      expect.objectContaining({ code: 'ERR_DUPLICATE_NAME' }),
    );
    expect(() => kit.system.spawn<string>(props('a/b', () => ({ receive: () => {} })))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });

  it('a failure in preStart is supervised like any other', async () => {
    const kit = createTestKit({ seed: 47 });
    let starts = 0;
    const ref = kit.system.spawn<string>(props('shaky', () => ({
      receive: () => {},
      preStart: () => {
        if (++starts === 1) throw new Boom('not yet');
      },
    })));
    await kit.settle();
    expect(starts).toBe(2);
    expect(ref.state).toBe('running');
  });
});

describe('watch, events, snapshot', () => {
  it('a watcher is told when the watched actor terminates, even if it already had', async () => {
    const kit = createTestKit({ seed: 48 });
    const heard: string[] = [];
    const target = kit.system.spawn<string>(props('target', () => ({ receive: () => {} })));
    const gone = kit.system.spawn<string>(props('gone', () => ({ receive: () => {} })));
    gone.kill();
    kit.system.spawn<string>(props('watcher', () => ({
      receive: () => {},
      preStart: (ctx) => {
        ctx.watch(target);
        ctx.watch(gone);
      },
      onTerminated: (ref) => void heard.push(ref.path),
    })));
    await kit.settle();
    expect(heard).toEqual(['/user/gone']);
    const stopped = target.stop();
    await kit.settle();
    await stopped;
    expect(heard).toEqual(['/user/gone', '/user/target']);
  });

  it('publishes lifecycle events and a snapshot of every mailbox', async () => {
    const kit = createTestKit({ seed: 49 });
    const ref = kit.system.spawn<number>(props('counted', () => ({ receive: () => {} }), { mailbox: { capacity: 2, overflow: 'reject' } }));
    ref.tell(1);
    ref.tell(2);
    ref.tell(3);
    expect(kit.system.snapshot()).toEqual([
      { path: '/user/counted', state: 'running', mailbox: expect.objectContaining({ size: 2, capacity: 2, highWatermark: 2, enqueued: 2, rejected: 1 }) },
    ]);
    await kit.settle();
    ref.kill();
    expect(kit.events.map((e) => e.type)).toEqual(['started', 'dead-letter', 'stopped']);
    expect(kit.system.deadLetters.counts()).toEqual({ mailbox_full: 1 });
  });

  it('one throwing subscriber does not stop the others or the actor', async () => {
    const kit = createTestKit({ seed: 50 });
    kit.system.subscribe(() => {
      throw new Error('bad observer');
    });
    kit.system.deadLetters.subscribe(() => {
      throw new Error('bad dead-letter observer');
    });
    const ref = kit.system.spawn<number>(props('robust', () => ({ receive: () => {} }), { mailbox: { capacity: 1, overflow: 'reject' } }));
    ref.tell(1);
    ref.tell(2);
    await kit.settle();
    expect(kit.deadLetters).toHaveLength(1);
    expect(kit.system.deadLetters.listenerErrors).toBe(1);
    expect(ref.state).toBe('running');
  });

  it('keeps a bounded window of dead letters', () => {
    const kit = createTestKit({ seed: 51, deadLetterWindow: 3 });
    const ref = kit.system.spawn<number>(props('w', () => ({ receive: () => {} }), { mailbox: { capacity: 1, overflow: 'drop-newest' } }));
    for (let n = 0; n < 10; n++) ref.tell(n);
    expect(kit.system.deadLetters.recent().map((d) => d.message)).toEqual([7, 8, 9]);
    expect(kit.system.deadLetters.total).toBe(9);
  });

  it('scheduleOnce delivers in virtual time and is cancelled by a restart', async () => {
    const kit = createTestKit({ seed: 52 });
    const seen: Array<[string, number]> = [];
    const start = kit.clock.now();
    const ref = kit.system.spawn<string>(props('timer', () => ({
      receive: (m, ctx) => {
        if (m === 'arm') ctx.scheduleOnce(100, 'tick');
        else if (m === 'arm-then-fail') {
          ctx.scheduleOnce(100, 'never');
          throw new Boom();
        } else seen.push([m, ctx.runtime.clock.now() - start]);
      },
    }), { deliveryLimit: 1 }));
    ref.tell('arm');
    await kit.advance(150);
    ref.tell('arm-then-fail');
    await kit.advance(500);
    expect(seen).toEqual([['tick', 100]]);
  });
});
