/**
 * The system under fuzz: a real engine (real store on a temp dir with the demo park, inline evaluator, the system
 * clock, ids and randomness, so its own work finishes by itself) behind `createApp`, driven in process with
 * `app.request()`. It counts what it sends, remembers which tap ids were refused and which answered, when the
 * answered taps were tapped, and the tickets the answers named.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TokenAuthenticator } from '../../src/auth/token-authenticator.ts';
import { demoPark } from '../../src/domain/demo-park.ts';
import { createApp, type TicketdApp } from '../../src/http/app.ts';
import type { SseHub } from '../../src/http/sse-hub.ts';
import { Engine } from '../../src/pipeline/engine.ts';
import { systemContext } from '../../src/platform/context.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { TicketStore } from '../../src/store/index.ts';
import type { TapResult } from '../../src/store/store-types.ts';
import { parseTappedAt } from '../../src/domain/rfc3339.ts';
import type { Tap } from '../../src/domain/types.ts';
import { InlineEvaluator } from '../../src/workers/inline-evaluator.ts';
import type { FuzzRequest } from './fuzz-request.ts';

export interface FuzzAnswer {
  status: number;
  contentType: string;
  text: string;
}

export interface FuzzTarget {
  app: TicketdApp;
  hub: SseHub;
  engine: Engine;
  store: TicketStore;
  /** Bearer tokens of an admin, of customer-1 and of gate-1. */
  tokens: { admin: string; customer1: string; gate1: string };
  /** Whatever the app reported as a 500 `internal`; must stay empty. */
  internalErrors: unknown[];
  /** Requests sent, by status. */
  statusCounts: Map<number, number>;
  /** Tap ids carried by requests answered 2xx, and by requests answered with an error. */
  answeredTapIds: Set<string>;
  refusedTapIds: Set<string>;
  /** The ticket (id and price) each tap was answered `issued` with, first-hand or as a duplicate. */
  answeredTickets: Map<string, { ticketId: string; price: number }>;
  /**
   * The `tappedAt` (epoch ms) of each tap of the requests answered 2xx: the store forgets (or never records) taps
   * tapped more than its tap window's horizon ago (src/store/tap-window.ts).
   */
  tappedAtMs: Map<string, number>;
  send(request: FuzzRequest): Promise<FuzzAnswer>;
  close(): Promise<void>;
}

/**
 * @example
 * const target = await startFuzzTarget();
 * const answer = await target.send(bareRequest('GET', '/v1/rides', false));
 */
export async function startFuzzTarget(): Promise<FuzzTarget> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-fuzz-'));
  const store = TicketStore.open({ dataDir: dir, ids: systemContext.ids });
  const gateKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  store.seedIfEmpty(demoPark(gateKey), systemContext.clock.now());
  const engine = await Engine.start({
    store,
    evaluator: (options) => new InlineEvaluator(options),
    runtime: systemContext,
    log: silentLogger,
  });
  // Tokens as ticketd has them (in the store); no rate limit, which thousands of requests a second would hit.
  const authenticator = new TokenAuthenticator({ registry: store, clock: systemContext.clock });
  const tokens = {
    admin: authenticator.create({ role: 'admin' }).token,
    customer1: authenticator.create({ role: 'customer', customerId: 'customer-1' }).token,
    gate1: authenticator.create({ role: 'machine', machineId: 'gate-1' }).token,
  };
  const internalErrors: unknown[] = [];
  const { app, hub } = createApp({
    engine,
    clock: systemContext.clock,
    auth: { authenticator },
    heartbeatMs: 15_000,
    sseBufferBytes: 1 << 20,
    onInternalError: (error) => internalErrors.push(error),
  });
  const statusCounts = new Map<number, number>();
  const answeredTapIds = new Set<string>();
  const refusedTapIds = new Set<string>();
  const answeredTickets = new Map<string, { ticketId: string; price: number }>();
  const tappedAtMs = new Map<string, number>();

  function noteTaps(request: FuzzRequest, answerText: string): void {
    const body = JSON.parse(answerText) as { taps?: TapResult[] };
    for (const result of body.taps ?? []) {
      const issued = result.status === 'issued' || (result.status === 'duplicate' && result.outcome === 'issued');
      if (issued) answeredTickets.set(result.tapId, { ticketId: result.ticketId, price: result.price });
    }
    const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
    const sent = JSON.parse(text.replace(/^\ufeff/, '')) as Tap | Tap[];
    for (const tap of Array.isArray(sent) ? sent : [sent]) tappedAtMs.set(tap.tapId, parseTappedAt(tap.tappedAt));
  }

  async function send(request: FuzzRequest): Promise<FuzzAnswer> {
    const headers = { ...request.headers };
    const { caller } = request;
    if (caller === undefined) headers.authorization = `Bearer ${tokens.admin}`;
    else if (caller === 'customer-1') headers.authorization = `Bearer ${tokens.customer1}`;
    else if (caller === 'gate-1') headers.authorization = `Bearer ${tokens.gate1}`;
    else if (caller !== 'none') headers.authorization = caller.authorization;
    const init: RequestInit = { method: request.method, headers };
    if (request.body !== undefined) init.body = request.body;
    const res = await app.request(request.path, init);
    const text = await res.text();
    statusCounts.set(res.status, (statusCounts.get(res.status) ?? 0) + 1);
    const ids = res.status < 300 ? answeredTapIds : refusedTapIds;
    for (const id of request.tapIds) ids.add(id);
    if (request.tapIds.length > 0 && res.status === 200) noteTaps(request, text);
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text };
  }

  async function close(): Promise<void> {
    hub.close();
    await engine.stop();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  return { app, hub, engine, store, tokens, internalErrors, statusCounts, answeredTapIds, refusedTapIds, answeredTickets, tappedAtMs, send, close };
}
