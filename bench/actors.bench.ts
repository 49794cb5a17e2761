import { ActorSystem } from '../src/actors/actor-system.ts';
import type { ActorRef } from '../src/actors/actor-ref.ts';
import { runCases, type BenchCase, type BenchResult, type BenchSettings } from './harness.ts';

/** Messages told to one actor per task call; also the actor's mailbox capacity, so nothing overflows. */
const TELL_BATCH = 10_000;
const ACTORS = 1_000;
/** Messages told to each of the 1,000 actors per task call. */
const TELL_PER_ACTOR = 10;
/** Asks in flight at once per task call (then `Promise.all`). */
const ASK_BATCH = 1_000;
const ASK_TIMEOUT_MS = 60_000;

/**
 * A system with the default auto dispatcher, and a counter the actors bump per handled message: a task tells its
 * batch, then waits on `untilHandled` until the counter reaches the batch's end.
 */
class TellRig {
  system = new ActorSystem();
  handled = 0;
  #target = 0;
  #done: (() => void) | undefined;

  spawnCounter(name: string, capacity: number): ActorRef<number> {
    return this.system.spawn<number>({
      name,
      mailbox: { capacity, overflow: 'reject' },
      create: () => ({
        receive: () => {
          if (++this.handled === this.#target) (this.#done as () => void)();
        },
      }),
    });
  }

  /** Resolves once `count` more messages than now have been handled. */
  untilHandled(count: number): Promise<void> {
    this.#target = this.handled + count;
    return new Promise<void>((resolve) => {
      this.#done = resolve;
    });
  }

  stop(): Promise<void> {
    return this.system.stop();
  }
}

function tellOneCase(): BenchCase {
  let rig: TellRig | undefined;
  let ref: ActorRef<number> | undefined;
  return {
    name: 'actor.tell-1',
    messagesPerTask: TELL_BATCH,
    async: true,
    setup() {
      rig = new TellRig();
      ref = rig.spawnCounter('counter', TELL_BATCH);
    },
    fn() {
      const r = rig as TellRig;
      const target = ref as ActorRef<number>;
      const done = r.untilHandled(TELL_BATCH);
      for (let i = 0; i < TELL_BATCH; i++) if (!target.tell(i)) throw new Error('tell refused');
      return done;
    },
    teardown: () => rig?.stop(),
  };
}

function tellManyCase(): BenchCase {
  let rig: TellRig | undefined;
  const refs: ActorRef<number>[] = [];
  return {
    name: 'actor.tell-1000',
    messagesPerTask: ACTORS * TELL_PER_ACTOR,
    async: true,
    setup() {
      rig = new TellRig();
      for (let a = 0; a < ACTORS; a++) refs.push(rig.spawnCounter(`counter-${a}`, TELL_PER_ACTOR));
    },
    fn() {
      const done = (rig as TellRig).untilHandled(ACTORS * TELL_PER_ACTOR);
      // Round robin, as a fan-out would send: every actor is ready before any has drained.
      for (let i = 0; i < TELL_PER_ACTOR; i++) {
        for (let a = 0; a < ACTORS; a++) if (!(refs[a] as ActorRef<number>).tell(i)) throw new Error('tell refused');
      }
      return done;
    },
    teardown: () => rig?.stop(),
  };
}

function askCase(): BenchCase {
  let system: ActorSystem | undefined;
  let echo: ActorRef<number, number> | undefined;
  const asks: Promise<number>[] = new Array<Promise<number>>(ASK_BATCH);
  const options = { timeoutMs: ASK_TIMEOUT_MS };
  return {
    name: 'actor.ask',
    messagesPerTask: ASK_BATCH,
    async: true,
    setup() {
      system = new ActorSystem();
      echo = system.spawn<number, number>({
        name: 'echo',
        mailbox: { capacity: ASK_BATCH, overflow: 'reject' },
        create: () => ({ receive: (n) => n }),
      });
    },
    async fn() {
      const target = echo as ActorRef<number, number>;
      for (let i = 0; i < ASK_BATCH; i++) asks[i] = target.ask(i, options);
      const replies = await Promise.all(asks);
      if (replies[ASK_BATCH - 1] !== ASK_BATCH - 1) throw new Error('wrong reply');
    },
    teardown: () => system?.stop(),
  };
}

/**
 * `actor.tell-1`: 10,000 tells to one actor, then wait until it handled them all. `actor.tell-1000`: 10 tells to each
 * of 1,000 actors, round robin, then wait likewise. `actor.ask`: 1,000 asks to one echo actor in flight at once, then
 * `Promise.all`. A real `ActorSystem` with the default auto dispatcher; one op is one message told and handled (or
 * asked and answered).
 */
export function runActorBenches(settings: BenchSettings): Promise<BenchResult[]> {
  return runCases([tellOneCase(), tellManyCase(), askCase()], settings);
}
