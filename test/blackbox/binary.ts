/**
 * Starts the real `ticketd` binary (bin/ticketd.js → dist/, built by `npm test`'s pretest) on a free port and
 * talks to it over real HTTP and SSE. `api`, `collectEvents` and `openEventStream` send the admin token of the
 * binary serving the URL (from its `<data-dir>/demo-credentials.json`) unless told otherwise with `token`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TimeoutError, withTimeout } from '../../src/platform/with-timeout.ts';

export const BIN = fileURLToPath(new URL('../../bin/ticketd.js', import.meta.url));
const START_TIMEOUT_MS = 20_000;
/**
 * Black-box tests are heavy clients of one token, so the binary starts without the per-token rate limit; a test of
 * the limit passes its own `--rate-limit-per-minute` in `args` (the last one given wins).
 */
const DEFAULT_ARGS = ['--rate-limit-per-minute', '0'];

/** The data dir of each binary this process started, by its URL's origin: where its admin token is. */
const dataDirs = new Map<string, string>();

/**
 * Whose token a request carries: absent, the admin token of the binary serving the URL; `null`, none; a string,
 * that token.
 */
export type TokenChoice = string | null | undefined;

export interface RunningBinary {
  url: string;
  dataDir: string;
  process: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startBinary(options: { dataDir?: string; args?: string[] } = {}): Promise<RunningBinary> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-bb-'));
  const args = ['serve', '--demo', '--port', '0', '--data-dir', dataDir, '--workers', '1', ...DEFAULT_ARGS, ...(options.args ?? [])];
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`ticketd exited with ${code} before it listened: ${stderr}`)));
  });
  const url = await withTimeout(listening, { timeoutMs: START_TIMEOUT_MS, what: 'ticketd listening' }).catch((error: unknown) => {
    throw error instanceof TimeoutError ? new Error(`${error.message}: ${stderr}`, { cause: error }) : error;
  });
  dataDirs.set(new URL(url).origin, dataDir);
  return {
    url,
    dataDir,
    process: child,
    stderr: () => stderr,
    stdout: () => stdout,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

/** `<dataDir>/demo-credentials.json` as `serve --demo` writes it. */
export interface DemoCredentials {
  admin: string;
  machines: Record<string, string>;
  customers: Record<string, string>;
  signingKeys: Record<string, string>;
}

export function readCredentials(dataDir: string): DemoCredentials {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredentials;
}

/** The Authorization header for a request to `url` (see TokenChoice); read afresh, as a restart may mint anew. */
export function authHeaders(url: string, token?: TokenChoice): Record<string, string> {
  if (token === null) return {};
  if (token !== undefined) return { authorization: `Bearer ${token}` };
  const dataDir = dataDirs.get(new URL(url).origin);
  return dataDir === undefined ? {} : { authorization: `Bearer ${readCredentials(dataDir).admin}` };
}

export async function api<T = unknown>(
  url: string, method: string, body?: unknown, options: { token?: TokenChoice } = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(url, {
    method,
    headers: { ...authHeaders(url, options.token), ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T, headers: response.headers };
}

export interface SseEvent {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

/**
 * Opens an SSE stream and collects events until `count` arrived (or fails after `timeoutMs`), then closes it.
 * `connected` resolves once the server answered with the stream's headers, i.e. the subscription is registered.
 */
export function collectEvents(
  url: string,
  count: number,
  options: { lastEventId?: number; timeoutMs?: number; token?: TokenChoice } = {},
): { connected: Promise<void>; events: Promise<SseEvent[]> } {
  let connected!: () => void;
  const connectedPromise = new Promise<void>((resolve) => (connected = resolve));
  const events = new Promise<SseEvent[]>((resolve, reject) => {
    const events: SseEvent[] = [];
    const headers = {
      ...authHeaders(url, options.token),
      ...(options.lastEventId !== undefined && { 'last-event-id': String(options.lastEventId) }),
    };
    const request = http.get(url, { headers }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`SSE answered ${response.statusCode}`));
      connected();
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(frame.split('\n').filter((l) => !l.startsWith(':') && l.includes(': ')).map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
          if (fields.data === undefined) continue;
          events.push({ id: Number(fields.id), event: fields.event!, data: JSON.parse(fields.data) as Record<string, unknown> });
          if (events.length >= count) {
            clearTimeout(timer);
            request.destroy();
            resolve(events);
          }
        }
      });
    });
    request.on('error', (error) => {
      if (events.length < count) reject(error);
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`only ${events.length} of ${count} SSE events within ${options.timeoutMs ?? 10_000} ms`));
    }, options.timeoutMs ?? 10_000);
  });
  return { connected: connectedPromise, events };
}

/** One tap's answer in `POST /v1/taps`: `{ taps: TapResult[] }`, in request order. */
export type TapResult =
  | { tapId: string; status: 'issued'; ticketId: string; price: number; balanceAfter: number }
  | { tapId: string; status: 'rejected' | 'failed'; reason: string }
  | { tapId: string; status: 'duplicate'; outcome: 'issued'; ticketId: string; price: number; balanceAfter: number }
  | { tapId: string; status: 'duplicate'; outcome: 'rejected' | 'failed'; reason: string }
  | { tapId: string; status: 'conflict' };

/**
 * A tap made now, unless now is near the demo park's afternoon peak (12:00–15:00 Amsterdam, × 1.25): then made
 * five hours ago (well within the 24 h a tap stays fresh), so that tests see the same prices at any hour.
 */
export function tap(tapId: string, customerId: string, rideId: string, machineId = 'gate-1') {
  return { tapId, customerId, rideId, machineId, tappedAt: offPeakNow().toISOString().replace('Z', '+00:00') };
}

function offPeakNow(): Date {
  const now = new Date();
  const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', hour: 'numeric', hourCycle: 'h23' }).format(now));
  return hour >= 11 && hour < 16 ? new Date(now.getTime() - 5 * 3_600_000) : now;
}

/**
 * A long-lived SSE connection that records every event until it ends or is closed (no count needed). Frames cut
 * off by a dropped connection are not recorded, so the id of the last recorded event is a correct `Last-Event-ID`.
 */
export interface EventStream {
  /** Events in arrival order. */
  readonly events: SseEvent[];
  /** Resolves once the server answered 200 with the stream's headers; rejects on another status or an error first. */
  readonly connected: Promise<void>;
  /** Resolves (never rejects) when the connection is over, for any reason, with that reason. */
  readonly ended: Promise<string>;
  /** The first recorded event (already there or still to come) that matches; rejects after `timeoutMs` or if the stream ends first. */
  waitFor(predicate: (event: SseEvent) => boolean, timeoutMs: number): Promise<SseEvent>;
  close(): void;
}

export function openEventStream(url: string, options: { lastEventId?: number; headers?: Record<string, string> } = {}): EventStream {
  const events: SseEvent[] = [];
  const watchers = new Set<{ predicate: (event: SseEvent) => boolean; resolve: (event: SseEvent) => void; reject: (error: Error) => void }>();
  let endReason: string | undefined;
  let resolveEnded!: (reason: string) => void;
  const ended = new Promise<string>((resolve) => (resolveEnded = resolve));
  let resolveConnected!: () => void;
  let rejectConnected!: (error: Error) => void;
  const connected = new Promise<void>((resolve, reject) => {
    resolveConnected = resolve;
    rejectConnected = reject;
  });
  connected.catch(() => undefined); // observed through `ended` by callers that do not await it
  const end = (reason: string): void => {
    if (endReason !== undefined) return;
    endReason = reason;
    rejectConnected(new Error(`SSE stream ended before it connected: ${reason}`));
    for (const watcher of watchers) watcher.reject(new Error(`SSE stream ended (${reason}) after ${events.length} events`));
    watchers.clear();
    resolveEnded(reason);
  };
  // Without headers of its own, the stream goes as the admin of the binary serving `url` (see authHeaders).
  const auth = options.headers ?? authHeaders(url);
  const headers = { ...auth, ...(options.lastEventId !== undefined && { 'last-event-id': String(options.lastEventId) }) };
  const request = http.get(url, { headers }, (response) => {
    if (response.statusCode !== 200) {
      response.resume();
      end(`status ${response.statusCode}`);
      return;
    }
    resolveConnected();
    let buffer = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let id: string | undefined;
        let type: string | undefined;
        let data: string | undefined;
        for (const line of frame.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          if (colon < 0) continue;
          const value = line.slice(colon + 1).replace(/^ /, '');
          const field = line.slice(0, colon);
          if (field === 'id') id = value;
          else if (field === 'event') type = value;
          else if (field === 'data') data = value;
        }
        if (data === undefined) continue;
        const event: SseEvent = { id: Number(id), event: type ?? 'message', data: JSON.parse(data) as Record<string, unknown> };
        events.push(event);
        for (const watcher of watchers) {
          if (watcher.predicate(event)) {
            watchers.delete(watcher);
            watcher.resolve(event);
          }
        }
      }
    });
    response.on('close', () => end('closed by the server or the network'));
    response.on('error', (error) => end(String(error)));
  });
  request.on('error', (error) => end(String(error)));
  return {
    events,
    connected,
    ended,
    waitFor(predicate, timeoutMs) {
      const found = events.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      if (endReason !== undefined) return Promise.reject(new Error(`SSE stream already ended (${endReason}) after ${events.length} events`));
      return new Promise<SseEvent>((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(watcher);
          reject(new Error(`no matching SSE event within ${timeoutMs} ms (${events.length} events so far)`));
        }, timeoutMs);
        const watcher = {
          predicate,
          resolve: (event: SseEvent) => {
            clearTimeout(timer);
            resolve(event);
          },
          reject: (error: Error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        watchers.add(watcher);
      });
    },
    close() {
      request.destroy();
      end('closed by the client');
    },
  };
}
