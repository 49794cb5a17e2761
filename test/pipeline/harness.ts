/** A whole engine in virtual time: the test kit's actor system, a real store on a temp dir, an inline evaluator. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoPark } from '../../src/domain/demo-park.ts';
import type { Tap } from '../../src/domain/types.ts';
import type { Metrics } from '../../src/metrics/metrics.ts';
import { Engine } from '../../src/pipeline/engine.ts';
import type { PipelineOptions } from '../../src/pipeline/pipeline-options.ts';
import type { PaymentProvider } from '../../src/payments/provider.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { sequentialIds } from '../../src/platform/ids.ts';
import { TicketStore } from '../../src/store/index.ts';
import type { Notification } from '../../src/store/index.ts';
import { createTestKit, type TestKit } from '../../src/testkit/test-kit.ts';
import type { Evaluator, EvaluatorOptions } from '../../src/workers/evaluator.ts';
import { InlineEvaluator } from '../../src/workers/inline-evaluator.ts';

export interface EngineHarness {
  kit: TestKit;
  engine: Engine;
  store: TicketStore;
  dir: string;
  signingKey: KeyObject;
  notifications: Notification[];
  tap(fields: Partial<Tap> & { customerId: string; rideId: string }): Tap;
  /** Runs a promise-returning engine call to completion in virtual time. */
  run<T>(work: Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  seed?: number;
  shuffle?: boolean;
  pipeline?: Partial<PipelineOptions>;
  evaluator?: (options: EvaluatorOptions) => Evaluator;
  dir?: string;
  metrics?: Metrics;
  /** The box office's card provider and hold time (Engine options). */
  payments?: PaymentProvider;
  holdMs?: number;
}

export async function startEngine(options: HarnessOptions = {}): Promise<EngineHarness> {
  const kit = createTestKit({ seed: options.seed ?? 1, shuffle: options.shuffle ?? false });
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-pipeline-'));
  const store = TicketStore.open({ dataDir: dir, ids: sequentialIds() });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  store.seedIfEmpty(demoPark(publicKey.export({ type: 'spki', format: 'pem' }).toString()), kit.clock.now());
  const engine = await Engine.start({
    store,
    evaluator: options.evaluator ?? ((o) => new InlineEvaluator(o)),
    runtime: kit.system.runtime,
    log: silentLogger,
    system: kit.system,
    ...(options.metrics !== undefined && { metrics: options.metrics }),
    ...(options.pipeline !== undefined && { pipeline: options.pipeline }),
    ...(options.payments !== undefined && { payments: options.payments }),
    ...(options.holdMs !== undefined && { holdMs: options.holdMs }),
  });
  const notifications: Notification[] = [];
  engine.onNotifications((batch) => notifications.push(...batch));
  let counter = 0;
  const harness: EngineHarness = {
    kit,
    engine,
    store,
    dir,
    signingKey: privateKey,
    notifications,
    tap: (fields) => ({
      tapId: `tap-${++counter}`,
      machineId: 'gate-1',
      tappedAt: new Date(kit.clock.now()).toISOString(),
      ...fields,
    }),
    async run<T>(work: Promise<T>): Promise<T> {
      let settled = false;
      const tracked = work.finally(() => (settled = true));
      tracked.catch(() => {}); // observed by the caller once returned; not an unhandled rejection meanwhile
      for (let round = 0; round < 100 && !settled; round++) await kit.settle();
      return tracked;
    },
    async close() {
      const stopping = engine.stop();
      await kit.settle();
      await stopping;
      store.close();
      if (options.dir === undefined) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}
