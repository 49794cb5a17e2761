import { Piscina } from 'piscina';
import type { Evaluation, Tap } from '../domain/types.ts';
import type { EvaluateReply, EvaluateTask } from './evaluate-task.ts';
import { EvaluatorError, type Evaluator, type EvaluatorOptions } from './evaluator.ts';

export interface PoolEvaluatorOptions extends EvaluatorOptions {
  threads: number;
  /** Most batches queued for the pool beyond those running; over it, `evaluate` rejects. */
  maxQueue: number;
  /** Heap cap per worker; a worker over it is replaced and its batch fails (and is retried by the caller). */
  maxOldGenerationSizeMb?: number;
  /** The module (file URL) each worker loads, default-exporting an `EvaluateTask` handler; by default evaluate-task. */
  taskFile?: string;
}

// Under vitest and tsx this module is TypeScript and so is its worker; once built, both are JavaScript.
const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');
const TASK_FILE = new URL(`./evaluate-task.${RUNNING_FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url).href;

/**
 * Validation and pricing on a piscina pool of worker threads, a batch per task (never a tap per task: a
 * thread hand-off costs more than validating a tap). The catalog is sent only to workers that lack its version.
 *
 * @example
 * const pool = new PoolEvaluator({ threads: 2, maxQueue: 64, catalog: () => catalog, bounds });
 * const evaluations = await pool.evaluate(taps, clock.now());
 */
export class PoolEvaluator implements Evaluator {
  readonly threads: number;
  readonly #pool: Piscina<EvaluateTask, EvaluateReply>;

  constructor(private readonly options: PoolEvaluatorOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new RangeError(`threads must be a positive integer, got ${options.threads}`);
    }
    this.threads = options.threads;
    this.#pool = new Piscina<EvaluateTask, EvaluateReply>({
      filename: options.taskFile ?? TASK_FILE,
      minThreads: options.threads,
      maxThreads: options.threads,
      maxQueue: options.maxQueue,
      idleTimeout: 60_000,
      ...(RUNNING_FROM_SOURCE && { execArgv: ['--import', 'tsx'] }),
      ...(options.maxOldGenerationSizeMb !== undefined && {
        resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb },
      }),
    });
  }

  async evaluate(taps: Tap[], nowMs: number): Promise<Evaluation[]> {
    const catalog = this.options.catalog();
    const task: EvaluateTask = { taps, nowMs, bounds: this.options.bounds, catalogVersion: catalog.version };
    try {
      let reply = await this.#pool.run(task);
      // A worker that has an older catalog asks for the current one once; it is then cached there.
      if (reply.kind === 'need-catalog') reply = await this.#pool.run({ ...task, catalog });
      if (reply.kind !== 'done') throw new EvaluatorError('worker still lacks the catalog after it was sent');
      return reply.evaluations;
    } catch (error) {
      if (error instanceof EvaluatorError) throw error;
      throw new EvaluatorError(`worker failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  get queueSize(): number {
    return this.#pool.queueSize;
  }

  /** For metrics: batches queued, the share of the pool's capacity in use (0 to 1), and live worker threads. */
  stats(): { queueSize: number; utilization: number; threads: number } {
    return { queueSize: this.#pool.queueSize, utilization: this.#pool.utilization, threads: this.#pool.threads.length };
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}
