/**
 * The piscina task: validates and prices a batch of taps against the catalog this worker holds. The catalog
 * travels only when it changed: a task names the version it expects, and a worker holding another answers
 * `need-catalog`, so the caller resends with the catalog attached.
 *
 * Self-contained on purpose (src/domain and node built-ins only): it is loaded alone in each worker thread.
 */
import { evaluateBatch } from '../domain/evaluate.ts';
import { KeyCache } from '../domain/key-cache.ts';
import type { Catalog, Evaluation, StalenessBounds, Tap } from '../domain/types.ts';

export interface EvaluateTask {
  taps: Tap[];
  nowMs: number;
  bounds: StalenessBounds;
  catalogVersion: number;
  catalog?: Catalog;
}

export type EvaluateReply = { kind: 'done'; evaluations: Evaluation[] } | { kind: 'need-catalog' };

let catalog: Catalog | undefined;
const keys = new KeyCache({ capacity: 4_096 });

export default function evaluate(task: EvaluateTask): EvaluateReply {
  if (task.catalog !== undefined) catalog = task.catalog;
  if (catalog === undefined || catalog.version !== task.catalogVersion) return { kind: 'need-catalog' };
  return { kind: 'done', evaluations: evaluateBatch(task.taps, catalog, task.nowMs, task.bounds, keys) };
}
