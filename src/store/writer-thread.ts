import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Customer, Tap } from '../domain/types.ts';
import { StoreError, type StoreErrorCode } from './store-error.ts';
import type { CommitResult, CustomerInput, JournalResult, Outcome, TopUpResult } from './store-types.ts';
import type { WritePath } from './write-path.ts';
import type { Answer, WriterApi } from './writer-worker.ts';

// The worker always runs compiled JavaScript: from source (vitest, tsx) that is the build in dist/ (`npm test`
// builds first), because tsx's hooks do not reach an ES module worker's imports here, comlink's adapter among them.
const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_FILE = RUNNING_FROM_SOURCE
  ? new URL('../../dist/store/writer-worker.js', import.meta.url)
  : new URL('./writer-worker.js', import.meta.url);

/**
 * The single writer on its own thread, called through comlink: the journal's and the group commit's SQLite work
 * and fsyncs happen there while the event loop goes on parsing requests and routing messages. WAL lets the main
 * thread's connection keep reading meanwhile.
 *
 * @example
 * const writer = await WriterThread.start({ dataDir: './data', busyTimeoutMs: 1_000 });
 * await writer.journalTaps(taps, clock.now());
 */
export class WriterThread implements WritePath {
  readonly #worker: Worker;
  readonly #remote: Comlink.Remote<WriterApi>;
  #closed = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
    this.#remote = Comlink.wrap<WriterApi>(nodeEndpoint(worker));
  }

  static async start(options: { dataDir: string; busyTimeoutMs: number }): Promise<WriterThread> {
    const worker = new Worker(WORKER_FILE);
    const writer = new WriterThread(worker);
    try {
      unwrap(await writer.#remote.open(options.dataDir, options.busyTimeoutMs));
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return writer;
  }

  async journalTaps(taps: Tap[], nowMs: number): Promise<JournalResult[]> {
    return unwrap(await this.#call(() => this.#remote.journalTaps(taps, nowMs)));
  }

  async commitOutcomes(outcomes: Outcome[], nowMs: number): Promise<CommitResult> {
    return unwrap(await this.#call(() => this.#remote.commitOutcomes(outcomes, nowMs)));
  }

  async topUp(customerId: string, topUpId: string, amount: number, nowMs: number): Promise<TopUpResult> {
    return unwrap(await this.#call(() => this.#remote.topUp(customerId, topUpId, amount, nowMs)));
  }

  async upsertCustomer(id: string, input: CustomerInput, nowMs: number): Promise<{ customer: Customer; created: boolean }> {
    return unwrap(await this.#call(() => this.#remote.upsertCustomer(id, input, nowMs)));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#remote.close();
    } finally {
      this.#remote[Comlink.releaseProxy]();
      await this.#worker.terminate();
    }
  }

  /** A writer thread that died answers every call as a failing disk: the engine stops taking taps and says so. */
  async #call<T>(work: () => Promise<Answer<T>>): Promise<Answer<T>> {
    if (this.#closed) return { ok: false, code: 'ERR_STORE_CLOSED', message: 'the writer thread is closed' };
    try {
      return await work();
    } catch (error) {
      return { ok: false, code: 'ERR_STORE_IO', message: `writer thread failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
}

function unwrap<T>(result: Answer<T>): T {
  if (result.ok) return result.value;
  if (result.code === 'ERR_WRITER') throw new Error(result.message);
  throw new StoreError(result.code as StoreErrorCode, result.message);
}
