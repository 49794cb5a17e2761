/**
 * The server the booking tests (bookings*.test.ts, issue 10) talk to over real HTTP: `startTicketd` in-process on
 * port 0 with a temp data dir and the demo park, its tokens read from `demo-credentials.json`, and a simulated card
 * provider that answers after 50 ms. Every answer is checked against the routes' declarations (contract.ts). Each
 * test makes its own shows and customers, so the tests do not see each other's bookings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { loadCredentialTokens, type CredentialTokens } from '../../src/cli/credentials.ts';
import type { Booking } from '../../src/box-office/booking-types.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { DEFAULT_CONFIG, startTicketd, type RunningTicketd } from '../../src/server/start-ticketd.ts';
import type { TicketdApp } from '../../src/http/app.ts';
import { checkContract } from './contract.ts';
import { harness } from './helpers.ts';
import { SseClient } from './sse-client.ts';

export const WEBHOOK_SECRET = 'bookings-test-webhook-secret-0123456789';
/** Reads of something still settling (a card webhook comes 50 ms after the charge); 10 ms apart. */
export const POLLS_MAX = 500;
const POLL_GAP_MS = 10;
const OFF = { ratePerMinute: 0, burst: 1 };

/** A running server and the demo tokens of its data dir. */
export interface Target {
  running: RunningTicketd;
  tokens: CredentialTokens & { admin: string };
  dir: string;
}

/**
 * Starts ticketd in-process on port 0 with the demo park in a fresh temp data dir; `stopTarget` undoes it.
 *
 * @example
 * const short = await startTarget(1, { delayMs: 50, failureRate: 1 });
 */
export async function startTarget(holdSeconds: number, card: { delayMs: number; failureRate: number }): Promise<Target> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-bookings-'));
  const running = await startTicketd({
    ...DEFAULT_CONFIG, port: 0, dataDir: dir, demo: true, workers: 0, log: silentLogger,
    rateLimits: { customer: OFF, machine: OFF, admin: OFF, manager: OFF, unauthenticated: OFF },
    holdSeconds, card, webhookSecret: WEBHOOK_SECRET,
  });
  const loaded = await loadCredentialTokens(running.demoCredentialsFile!);
  if (!loaded.ok || loaded.tokens.admin === undefined) throw new Error(`no demo credentials: ${loaded.ok ? 'no admin' : loaded.problem}`);
  return { running, tokens: { ...loaded.tokens, admin: loaded.tokens.admin }, dir };
}

/** Closes the server and removes its data dir; a target never started is nothing to do. @example afterAll(() => stopTarget(short)) */
export async function stopTarget(target: Target | undefined): Promise<void> {
  if (target === undefined) return;
  await target.running.close();
  fs.rmSync(target.dir, { recursive: true, force: true });
}

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Call {
  body?: unknown;
  /** Bearer token; absent: the admin's; `null`: none. */
  token?: string | null;
  headers?: Record<string, string>;
  /** The server to ask; absent: the file's main server. */
  at?: Target;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** Asserts the status and the stable code of an error answer, and gives the error for more. @example expectError(answer, 409, 'sold_out').details */
export function expectError(answer: Answer, status: number, code: string): ErrorBody['error'] {
  const { error } = answer.body as ErrorBody;
  expect({ status: answer.status, code: error?.code }, JSON.stringify(answer.body)).toEqual({ status, code });
  return error;
}

/**
 * Reads with `read` until `done` holds of what it gave, at most POLLS_MAX times; the last read is returned either way.
 *
 * @example
 * const payment = await pollUntil(() => readPayment(id), (p) => p.status === 'refunded');
 */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < POLLS_MAX && !done(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, POLL_GAP_MS));
    value = await read();
  }
  return value;
}

export interface CategorySpec {
  id: string;
  price: number;
  capacity: number;
  rows?: Array<{ row: string; seats: number }>;
}

export interface Buyer {
  id: string;
  token: string;
}

/**
 * The requests a booking test makes; each goes to the file's main server unless its call names another (`at`). Plain
 * functions, not methods: a test file destructures them.
 */
export interface BookingServer {
  /** The main server, once `beforeAll` started it: its tokens (`tokens.machines['gate-1']`) and port. */
  target: () => Target;
  api: <T = unknown>(method: string, urlPath: string, call?: Call) => Promise<Answer<T>>;
  /** A name not used before in this file: `${prefix}-${n}`. */
  fresh: (prefix: string) => string;
  /** A show a week from now, on sale unless `status` says otherwise. */
  newShow: (categories: CategorySpec[], at?: Target, status?: string) => Promise<string>;
  /** A customer with `balance` cents and a token of its own. */
  newCustomer: (balance: number, at?: Target) => Promise<Buyer>;
  book: (body: Record<string, unknown>, call?: Omit<Call, 'body'>) => Promise<Answer<Booking>>;
  balanceOf: (customerId: string, at?: Target) => Promise<number>;
  /** Reads the booking until `done` holds of it (see pollUntil). */
  pollBooking: (id: string, done: (b: Booking) => boolean, call?: Pick<Call, 'token' | 'at'>) => Promise<Booking>;
  /** A customer's bookings once there are at least `count` (see pollUntil). */
  pollList: (customerId: string, count: number, at?: Target) => Promise<Booking[]>;
  /** A confirmed wallet booking of `quantity` general-admission places ('floor', 1 000 cents, 10 places) on a new show. */
  confirmedBooking: (quantity: number) => Promise<{ showId: string; customer: Buyer; booking: Booking }>;
  /** The customer's event stream, opened with its own token and `headers` (e.g. `last-event-id`). */
  openStream: (customer: Buyer, options?: { at?: Target; headers?: Record<string, string> }) => Promise<SseClient>;
}

/**
 * Starts the file's main server before its tests (holds of a minute, card answers after 50 ms and never declined),
 * stops it after them, and gives the requests the tests make. Call it once, at the top of a test file.
 *
 * @example
 * const { book, newShow, newCustomer } = useBookingServer();
 */
export function useBookingServer(): BookingServer {
  let main: Target | undefined;
  /** An app with the same route declarations, for the contract check of every answer. */
  let declared: TicketdApp | undefined;
  let serial = 0;

  beforeAll(async () => {
    main = await startTarget(60, { delayMs: 50, failureRate: 0 });
    declared = harness().app;
  });
  afterAll(() => stopTarget(main));

  function target(): Target {
    if (main === undefined) throw new Error('the booking server is not running: useBookingServer() starts it in beforeAll');
    return main;
  }

  async function api<T = unknown>(method: string, urlPath: string, call: Call = {}): Promise<Answer<T>> {
    const at = call.at ?? target();
    const headers: Record<string, string> = { ...call.headers };
    const token = call.token === undefined ? at.tokens.admin : call.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const init: RequestInit = { method, headers };
    if (call.body !== undefined) {
      init.body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${at.running.url}${urlPath}`, init);
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    const body = (text !== '' && contentType.includes('application/json') ? JSON.parse(text) : text) as T;
    checkContract(declared!, method, urlPath, res.status, contentType, body);
    return { status: res.status, headers: res.headers, body };
  }

  function fresh(prefix: string): string {
    serial += 1;
    return `${prefix}-${serial}`;
  }

  async function newShow(categories: CategorySpec[], at?: Target, status = 'on_sale'): Promise<string> {
    const id = fresh('show');
    const startsAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const answer = await api('PUT', `/v1/shows/${id}`, {
      at, body: { name: `Show ${id}`, venue: 'Test Hall', location: 'Utrecht', startsAt, status, categories: categories.map((c) => ({ name: c.id, ...c })) },
    });
    expect(answer.status).toBe(201);
    return id;
  }

  async function newCustomer(balance: number, at?: Target): Promise<Buyer> {
    const id = fresh('buyer');
    expect((await api('PUT', `/v1/customers/${id}`, { at, body: { name: `Buyer ${id}`, tier: 'standard', balance } })).status).toBe(201);
    const created = await api<{ token: string }>('POST', '/v1/tokens', { at, body: { role: 'customer', customerId: id } });
    expect(created.status).toBe(201);
    return { id, token: created.body.token };
  }

  function book(body: Record<string, unknown>, call: Omit<Call, 'body'> = {}): Promise<Answer<Booking>> {
    return api<Booking>('POST', '/v1/bookings', { ...call, body });
  }

  async function balanceOf(customerId: string, at?: Target): Promise<number> {
    return (await api<{ balance: number }>('GET', `/v1/customers/${customerId}`, { at })).body.balance;
  }

  function pollBooking(id: string, done: (b: Booking) => boolean, call: Pick<Call, 'token' | 'at'> = {}): Promise<Booking> {
    return pollUntil(async () => (await api<Booking>('GET', `/v1/bookings/${id}`, call)).body, done);
  }

  function pollList(customerId: string, count: number, at?: Target): Promise<Booking[]> {
    const read = async (): Promise<Booking[]> => (await api<{ bookings: Booking[] }>('GET', `/v1/customers/${customerId}/bookings`, { at })).body.bookings;
    return pollUntil(read, (bookings) => bookings.length >= count);
  }

  async function confirmedBooking(quantity: number): Promise<{ showId: string; customer: Buyer; booking: Booking }> {
    const showId = await newShow([{ id: 'floor', price: 1_000, capacity: 10 }]);
    const customer = await newCustomer(100_000);
    const answer = await book({ customerId: customer.id, showId, items: [{ categoryId: 'floor', quantity }], payment: { method: 'wallet' } });
    expect(answer.status).toBe(201);
    expect(answer.body.status).toBe('confirmed');
    return { showId, customer, booking: answer.body };
  }

  function openStream(customer: Buyer, options: { at?: Target; headers?: Record<string, string> } = {}): Promise<SseClient> {
    const at = options.at ?? target();
    return SseClient.open(at.running.port, `/v1/customers/${customer.id}/events`, { authorization: `Bearer ${customer.token}`, ...options.headers });
  }

  return { target, api, fresh, newShow, newCustomer, book, balanceOf, pollBooking, pollList, confirmedBooking, openStream };
}
