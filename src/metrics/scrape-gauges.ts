/**
 * Metrics read at scrape time from the parts that already keep their own counts: taps in flight (flow control),
 * each actor's mailbox (depth, high watermark, drops), the actor system's dead letters by reason, the SSE hub and
 * the worker pool. Nothing of these costs anything between scrapes: prom-client calls `collect()` on a scrape and
 * the values are copied from the source then.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ActorSnapshot } from '../actors/types.ts';

/** The actor system, as far as metrics read it. */
export interface ActorSource {
  snapshot(): ActorSnapshot[];
  readonly deadLetters: { counts(): Record<string, number> };
}

/** The engine, as far as metrics read it (`Engine` is one). */
export interface EngineSource {
  readonly system: ActorSource;
  readonly flow: { readonly inFlight: number };
}

/** The SSE hub, as far as metrics read it (`SseHub` is one). */
export interface SseSource {
  stats(): { connections: number; frames: number };
}

/** A worker pool, as far as metrics read it (`PoolEvaluator` is one). */
export interface PoolSource {
  stats(): { queueSize: number; utilization: number; threads: number };
}

/** Where the scrape-time metrics read from; a source not (yet) watched reads as nothing. */
export class ScrapeSources {
  engine: EngineSource | undefined;
  sse: SseSource | undefined;
  pool: PoolSource | undefined;
}

/**
 * Registers the scrape-time metrics of `sources` in `registry`.
 *
 * @example
 * const sources = new ScrapeSources();
 * registerScrapeGauges(registry, sources);
 * sources.engine = engine; // from now on, scrapes read its mailboxes and in-flight count
 */
export function registerScrapeGauges(registry: Registry, sources: ScrapeSources): void {
  const registers = [registry];
  new Gauge({
    name: 'ticketd_taps_in_flight',
    help: 'Taps accepted and not yet decided (at most the pipeline\'s maxInFlightTaps; over it, POST /v1/taps gets 429).',
    registers,
    collect() {
      this.set(sources.engine?.flow.inFlight ?? 0);
    },
  });
  const mailbox = (name: string, help: string, read: (s: ActorSnapshot) => number): void => {
    new Gauge({
      name, help, labelNames: ['actor'], registers,
      collect() {
        this.reset();
        for (const actor of sources.engine?.system.snapshot() ?? []) this.set({ actor: actor.path }, read(actor));
      },
    });
  };
  mailbox('ticketd_mailbox_depth', 'Messages waiting in each actor\'s mailbox.', (a) => a.mailbox.size);
  mailbox('ticketd_mailbox_high_watermark', 'Most messages each actor\'s mailbox has held at once.', (a) => a.mailbox.highWatermark);
  mailbox('ticketd_mailbox_capacity', 'The bound of each actor\'s mailbox.', (a) => a.mailbox.capacity);
  new Counter({
    name: 'ticketd_mailbox_dropped_total',
    help: 'Messages each actor\'s full mailbox refused or dropped (each also became a dead letter).',
    labelNames: ['actor'],
    registers,
    collect() {
      this.reset();
      for (const actor of sources.engine?.system.snapshot() ?? []) {
        this.inc({ actor: actor.path }, actor.mailbox.dropped + actor.mailbox.rejected);
      }
    },
  });
  new Counter({
    name: 'ticketd_dead_letters_total',
    help: 'Messages the actor system could not deliver, by reason (mailbox_full, actor_stopped, delivery_limit, '
      + 'ask_timeout, ...). Rejected and failed taps are counted in ticketd_taps_total.',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(sources.engine?.system.deadLetters.counts() ?? {})) this.inc({ reason }, count);
    },
  });
  registerSseAndPool(registry, sources);
}

function registerSseAndPool(registry: Registry, sources: ScrapeSources): void {
  const registers = [registry];
  new Gauge({
    name: 'ticketd_sse_connections',
    help: 'Open SSE event streams, over all customers.',
    registers,
    collect() {
      this.set(sources.sse?.stats().connections ?? 0);
    },
  });
  new Counter({
    name: 'ticketd_sse_frames_total',
    help: 'Notification frames queued to SSE streams, replayed and live (heartbeats not counted).',
    registers,
    collect() {
      this.reset();
      this.inc(sources.sse?.stats().frames ?? 0);
    },
  });
  new Gauge({
    name: 'ticketd_pool_queue_size',
    help: 'Batches waiting for a worker thread of the validation and pricing pool.',
    registers,
    collect() {
      this.set(sources.pool?.stats().queueSize ?? 0);
    },
  });
  new Gauge({
    name: 'ticketd_pool_utilization',
    help: 'Share of the worker pool\'s capacity in use (piscina utilization, 0 to 1).',
    registers,
    collect() {
      this.set(sources.pool?.stats().utilization ?? 0);
    },
  });
  new Gauge({
    name: 'ticketd_pool_threads',
    help: 'Worker threads of the validation and pricing pool (0 with --workers 0).',
    registers,
    collect() {
      this.set(sources.pool?.stats().threads ?? 0);
    },
  });
}
