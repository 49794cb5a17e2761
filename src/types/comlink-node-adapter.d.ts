// comlink ships this adapter's types beside its UMD build only; this points the ESM entry at the same shape.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  import type { MessagePort, Worker } from 'node:worker_threads';
  /** A worker, or the worker's `parentPort`. */
  export type NodeEndpoint = Worker | MessagePort;
  export default function nodeEndpoint(nep: NodeEndpoint): Endpoint;
}
