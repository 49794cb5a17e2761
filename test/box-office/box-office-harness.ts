/**
 * A whole engine with its box office in virtual time (test/pipeline/harness.ts), the simulated card provider
 * delivering its webhooks straight to the box office, and a small show: `gala` with a seated `stalls` block (rows A
 * and B of 3) and a general-admission `floor` of 4.
 */
import type { ShowInput } from '../../src/domain/show.ts';
import { parseProviderEvent, type PaymentProvider } from '../../src/payments/provider.ts';
import { SimulatedCardProvider } from '../../src/payments/simulated-provider.ts';
import { seededRandom } from '../../src/platform/random.ts';
import { sequentialIds } from '../../src/platform/ids.ts';
import { startEngine, type EngineHarness } from '../pipeline/harness.ts';

export const GALA: ShowInput = {
  name: 'Winter Gala', venue: 'Hall', location: 'Amsterdam', startsAt: '2030-12-05T20:00:00Z', status: 'on_sale',
  categories: [
    { id: 'stalls', name: 'Stalls', price: 4_500, capacity: 6, rows: [{ row: 'A', seats: 3 }, { row: 'B', seats: 3 }] },
    { id: 'floor', name: 'Floor', price: 2_000, capacity: 4 },
  ],
};

export interface BoxOfficeHarness extends EngineHarness {
  provider: SimulatedCardProvider;
}

export interface BoxOfficeHarnessOptions {
  seed?: number;
  holdMs?: number;
  cardDelayMs?: number;
  cardFailureRate?: number;
  shuffle?: boolean;
  /** A data dir to open (and keep): a restart opens the same one. */
  dir?: string;
  /** Another card provider than the simulated one (e.g. one that records its calls). */
  provider?: PaymentProvider;
}

export async function startBoxOffice(options: BoxOfficeHarnessOptions = {}): Promise<BoxOfficeHarness> {
  let deliver: (body: string) => Promise<unknown> = () => Promise.reject(new Error('not started'));
  // The engine resumes sagas as it starts, before the simulated provider (which needs the kit's clock) exists.
  let providerMade: (p: SimulatedCardProvider) => void = () => undefined;
  const made = new Promise<SimulatedCardProvider>((resolve) => (providerMade = resolve));
  const h = await startEngine({
    seed: options.seed ?? 1,
    shuffle: options.shuffle ?? false,
    ...(options.dir !== undefined && { dir: options.dir }),
    holdMs: options.holdMs ?? 60_000,
    payments: options.provider ?? {
      charge: async (request) => (await made).charge(request),
      refund: async (request) => (await made).refund(request),
    },
  });
  const provider = new SimulatedCardProvider({
    clock: h.kit.clock, random: seededRandom(options.seed ?? 1), ids: sequentialIds(), secret: 'test-webhook-secret-0123456789',
    sink: async ({ body }) => void (await deliver(body)), delayMs: options.cardDelayMs ?? 500, failureRate: options.cardFailureRate ?? 0,
    pendingMax: 10_000, rememberedMax: 100_000, deliveryAttemptsMax: 3,
  });
  providerMade(provider);
  deliver = (body) => h.engine.boxOffice.applyProviderEvent(parseProviderEvent(body)!);
  await h.run(h.engine.putShow('gala', GALA));
  return Object.assign(h, { provider });
}
