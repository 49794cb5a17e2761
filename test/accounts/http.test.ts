/**
 * Accounts and sessions over HTTP (user-routes.ts, session-cookie.ts, auth-middleware.ts, me-routes.ts): the app of
 * createApp with a real store for accounts and tokens, real Accounts on a virtual clock, and the fake engine for
 * customers, driven in-process with `app.request`. Every answer is checked against the routes' declarations.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Accounts } from '../../src/accounts/accounts.ts';
import { LoginLimiter } from '../../src/auth/login-limiter.ts';
import { InlinePasswordHasher, PasswordHasherBusyError, type PasswordHasher } from '../../src/auth/password.ts';
import { rateLimiters } from '../../src/auth/rate-limiter.ts';
import { TokenAuthenticator } from '../../src/auth/token-authenticator.ts';
import { createApp } from '../../src/http/app.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { TicketStore } from '../../src/store/index.ts';
import type { User } from '../../src/store/users.ts';
import { checkContract } from '../http/contract.ts';
import { FakeEngine } from '../http/fake-engine.ts';
import { expectError, type Answer } from '../http/helpers.ts';
import { counterIds, makeHarness, T0, type Harness } from '../store/helpers.ts';
import { PASSWORD, seededSecrets, SMALL } from './helpers.ts';

const TTL_MS = 3 * 3_600_000;
const OFF = { ratePerMinute: 0, burst: 1 };

interface Session {
  token: string;
  expiresAt: string;
  csrfToken: string;
  user: User;
}

interface Request {
  body?: unknown;
  /** A bearer token; absent or null, no Authorization header. */
  token?: string | null;
  /** The session cookie's value. */
  cookie?: string;
  csrf?: string;
}

interface App {
  engine: FakeEngine;
  clock: VirtualClock;
  store: TicketStore;
  admin: string;
  call(method: string, path: string, request?: Request): Promise<Answer>;
  login(username: string, password?: string): Promise<Session>;
  /** A staff or user account made by the admin, and a session of it. */
  account(username: string, role: 'admin' | 'manager' | 'user'): Promise<Session>;
}

let h: Harness | undefined;
afterEach(() => h?.cleanup());

function makeApp(options: { allowSignup?: boolean; hasher?: PasswordHasher } = {}): App {
  h = makeHarness();
  h.store.close();
  const store = TicketStore.open({ dataDir: h.dir, ids: counterIds(), secrets: seededSecrets(31) });
  h.store = store;
  const clock = new VirtualClock(T0);
  const engine = new FakeEngine();
  let n = 0;
  const accounts = new Accounts({
    users: store.users,
    openCustomer: (id, input) => engine.putCustomer(id, input),
    hasher: options.hasher ?? new InlinePasswordHasher({ secrets: seededSecrets(1), params: SMALL }),
    limiter: new LoginLimiter({ clock }),
    clock,
    ids: { next: (prefix) => `${prefix}-http-${++n}` },
    sessionTtlMs: TTL_MS,
  });
  const { app } = createApp({
    engine, clock, accounts, allowSignup: options.allowSignup ?? false, heartbeatMs: 15_000, sseBufferBytes: 1 << 20,
    auth: {
      authenticator: new TokenAuthenticator({ registry: store, clock }),
      ...rateLimiters(clock, { customer: OFF, machine: OFF, admin: OFF, manager: OFF, unauthenticated: OFF }),
    },
  });
  const admin = store.createToken({ role: 'admin' }, T0).token;

  async function call(method: string, path: string, request: Request = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (request.token != null) headers.authorization = `Bearer ${request.token}`;
    if (request.cookie !== undefined) headers.cookie = `ticketd_session=${request.cookie}`;
    if (request.csrf !== undefined) headers['x-csrf-token'] = request.csrf;
    const init: RequestInit = { method, headers };
    if (request.body !== undefined) {
      init.body = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    const res = await app.request(path, init);
    const text = await res.text();
    const json = (res.headers.get('content-type') ?? '').includes('application/json');
    const body: unknown = text !== '' && json ? JSON.parse(text) : text;
    checkContract(app, method, path, res.status, res.headers.get('content-type') ?? '', body);
    return { status: res.status, headers: res.headers, body };
  }

  async function login(username: string, password = PASSWORD): Promise<Session> {
    const answer = await call('POST', '/v1/sessions', { body: { username, password } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as Session;
  }

  async function account(username: string, role: 'admin' | 'manager' | 'user'): Promise<Session> {
    const created = await call('POST', '/v1/users', {
      token: admin, body: { username, email: `${username}@example.com`, displayName: `Person ${username}`, role, password: PASSWORD },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return login(username);
  }

  return { engine, clock, store, admin, call, login, account };
}

const signup = (username: string, extra: Record<string, unknown> = {}) => ({
  username, email: `${username}@example.com`, displayName: `Person ${username}`, password: PASSWORD, ...extra,
});

/** The Set-Cookie lines of an answer by cookie name. */
function setCookies(answer: Answer): Map<string, string> {
  return new Map(answer.headers.getSetCookie().map((line) => [line.slice(0, line.indexOf('=')), line]));
}

describe('signing up and creating accounts', () => {
  it('lets anyone sign up with allowSignup: a user account with its own customer', async () => {
    const a = makeApp({ allowSignup: true });
    const answer = await a.call('POST', '/v1/users', { body: signup('bob') });
    expect(answer.status).toBe(201);
    const bo = answer.body as User;
    expect(bo).toMatchObject({ username: 'bob', role: 'user', version: 1 });
    expect(a.engine.getCustomer(bo.customerId!)).toMatchObject({ name: 'Person bob', tier: 'standard', balance: 0 });
    expect((await a.call('POST', '/v1/users', { body: signup('bob', { email: 'other@example.com' }) })).status).toBe(409);
    expectError(await a.call('POST', '/v1/users', { body: signup('cyd', { password: 'short' }) }), 422, 'weak_password');
  });

  it('refuses signing up as staff (403), and any signing up without allowSignup (401)', async () => {
    const open = makeApp({ allowSignup: true });
    expectError(await open.call('POST', '/v1/users', { body: signup('eve', { role: 'admin' }) }), 403, 'forbidden');
    expectError(await open.call('POST', '/v1/users', { body: signup('eve', { role: 'manager' }) }), 403, 'forbidden');
    expect((await open.call('GET', '/v1/users', { token: open.admin })).body).toMatchObject({ users: [] });
    const closed = makeApp();
    const refused = await closed.call('POST', '/v1/users', { body: signup('bob') });
    expectError(refused, 401, 'unauthorized');
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(closed.engine.customers.size).toBe(0);
  });

  it('lets an admin create a manager, whom /v1/users then refuses (403)', async () => {
    const a = makeApp();
    const manager = await a.account('mia', 'manager');
    expect(manager.user).toMatchObject({ username: 'mia', role: 'manager' });
    expect(manager.user.customerId).toBeUndefined();
    expectError(await a.call('GET', '/v1/users', { token: manager.token }), 403, 'forbidden');
    expectError(await a.call('GET', `/v1/users/${manager.user.id}`, { token: manager.token }), 403, 'forbidden');
    expectError(await a.call('POST', '/v1/users', { token: manager.token, body: signup('xyz') }), 403, 'forbidden');
    const user = await a.account('bob', 'user');
    expectError(await a.call('GET', '/v1/users', { token: user.token }), 403, 'forbidden');
    const list = await a.call('GET', '/v1/users?role=manager', { token: a.admin });
    expect((list.body as { users: User[] }).users.map((u) => u.username)).toEqual(['mia']);
  });
});

describe('changing accounts', () => {
  it('answers PATCH refusals with their codes: email_taken, role_not_changeable, weak_password, unknown_user', async () => {
    const a = makeApp();
    const bob = await a.account('bob', 'user');
    const mia = await a.account('mia', 'manager');
    const patch = (id: string, body: unknown) => a.call('PATCH', `/v1/users/${id}`, { token: a.admin, body });
    expectError(await patch(mia.user.id, { email: 'BOB@example.com' }), 409, 'email_taken');
    expectError(await patch(bob.user.id, { role: 'admin' }), 409, 'role_not_changeable');
    expectError(await patch(mia.user.id, { role: 'user' }), 409, 'role_not_changeable');
    expectError(await patch(mia.user.id, { password: 'short' }), 422, 'weak_password');
    expectError(await patch('usr_404', { displayName: 'Nobody' }), 404, 'unknown_user');
    expectError(await a.call('GET', '/v1/users/usr_404', { token: a.admin }), 404, 'unknown_user');
    // None of those changed anything, nor ended a session.
    expect((await a.call('GET', `/v1/users/${mia.user.id}`, { token: a.admin })).body).toEqual(mia.user);
    expect((await a.call('GET', '/v1/me', { token: mia.token })).status).toBe(200);
    const promoted = await patch(mia.user.id, { role: 'admin', displayName: 'Mia Boss' });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ role: 'admin', displayName: 'Mia Boss', version: 2 });
    // A new role ends the sessions made under the old one.
    expectError(await a.call('GET', '/v1/me', { token: mia.token }), 401, 'unauthorized');
    expect((await a.login('mia')).user.role).toBe('admin');
  });

  it('pages GET /v1/users by cursor and refuses a forged cursor', async () => {
    const a = makeApp({ allowSignup: true });
    for (const name of ['amy', 'ben', 'cat', 'dan', 'eve']) expect((await a.call('POST', '/v1/users', { body: signup(name) })).status).toBe(201);
    const seen: string[] = [];
    let path = '/v1/users?limit=2';
    for (let page = 0; page < 10; page++) {
      const answer = await a.call('GET', path, { token: a.admin });
      const body = answer.body as { users: User[]; nextCursor: string | null };
      seen.push(...body.users.map((u) => u.username));
      if (body.nextCursor === null) break;
      path = `/v1/users?limit=2&cursor=${encodeURIComponent(body.nextCursor)}`;
    }
    expect(seen).toEqual(['amy', 'ben', 'cat', 'dan', 'eve']);
    expect(((await a.call('GET', '/v1/users?q=AN', { token: a.admin })).body as { users: User[] }).users.map((u) => u.username)).toEqual(['dan']);
    expectError(await a.call('GET', '/v1/users?cursor=forged', { token: a.admin }), 400, 'invalid_cursor');
  });
});

describe('logging in', () => {
  it('answers token, expiresAt (now + ttl), csrfToken and the user, and sets the cookies: HttpOnly, SameSite=Strict, Path=/, not Secure over HTTP', async () => {
    const a = makeApp();
    await a.account('bob', 'user');
    a.clock.advanceTo(T0 + 60_000);
    const answer = await a.call('POST', '/v1/sessions', { body: { email: 'BOB@example.com', password: PASSWORD } });
    expect(answer.status).toBe(200);
    const session = answer.body as Session;
    expect(session.token).toMatch(/^tkd_/);
    expect(session.expiresAt).toBe(new Date(T0 + 60_000 + TTL_MS).toISOString());
    expect(session.user).toMatchObject({ username: 'bob', role: 'user' });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const cookies = setCookies(answer);
    const sessionCookie = cookies.get('ticketd_session')!;
    expect(sessionCookie.startsWith(`ticketd_session=${session.token};`)).toBe(true);
    const attributes = sessionCookie.split(';').map((part) => part.trim().toLowerCase());
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('samesite=strict');
    expect(attributes).toContain('path=/');
    expect(attributes).not.toContain('secure');
    expect(attributes.find((part) => part.startsWith('expires='))).toBe(`expires=${new Date(T0 + 60_000 + TTL_MS).toUTCString().toLowerCase()}`);
    const csrfCookie = cookies.get('ticketd_csrf')!;
    expect(csrfCookie.startsWith(`ticketd_csrf=${session.csrfToken};`)).toBe(true);
    expect(csrfCookie.toLowerCase()).not.toContain('httponly');
    expect(csrfCookie.toLowerCase()).toContain('samesite=strict');
    expect(session.csrfToken).not.toContain(session.token);
  });

  it('answers a wrong password and an unknown account with the same 401, brakes with 429 and Retry-After', async () => {
    const a = makeApp();
    await a.account('bob', 'user');
    const wrong = await a.call('POST', '/v1/sessions', { body: { username: 'bob', password: 'not the password' } });
    const unknown = await a.call('POST', '/v1/sessions', { body: { username: 'nobody', password: PASSWORD } });
    expectError(wrong, 401, 'invalid_credentials');
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.headers.getSetCookie()).toEqual([]);
    await a.call('POST', '/v1/sessions', { body: { username: 'bob', password: 'still not it' } });
    await a.call('POST', '/v1/sessions', { body: { username: 'bob', password: 'nor this one' } });
    const braked = await a.call('POST', '/v1/sessions', { body: { username: 'bob', password: PASSWORD } });
    expectError(braked, 429, 'login_throttled');
    expect(Number(braked.headers.get('retry-after'))).toBeGreaterThan(0);
    a.clock.advanceTo(a.clock.now() + Number(braked.headers.get('retry-after')) * 1_000);
    expect((await a.login('bob')).user.username).toBe('bob');
  });

  it('answers a disabled account with 403 account_disabled, and a busy hasher with 503 and Retry-After', async () => {
    const a = makeApp();
    const bo = await a.account('bob', 'user');
    expect((await a.call('PATCH', `/v1/users/${bo.user.id}`, { token: a.admin, body: { disabled: true } })).status).toBe(200);
    expectError(await a.call('POST', '/v1/sessions', { body: { username: 'bob', password: PASSWORD } }), 403, 'account_disabled');

    const busy: PasswordHasher = {
      hash: () => Promise.reject(new PasswordHasherBusyError(2)),
      verify: () => Promise.reject(new PasswordHasherBusyError(2)),
      dummyVerify: () => Promise.reject(new PasswordHasherBusyError(2)),
      needsRehash: () => false,
      close: () => Promise.resolve(),
    };
    const b = makeApp({ hasher: busy, allowSignup: true });
    const refused = await b.call('POST', '/v1/sessions', { body: { username: 'bob', password: PASSWORD } });
    expectError(refused, 503, 'hasher_busy');
    expect(refused.headers.get('retry-after')).toBe('1');
    const signupRefused = await b.call('POST', '/v1/users', { body: signup('bob') });
    expectError(signupRefused, 503, 'hasher_busy');
    expect(signupRefused.headers.get('retry-after')).toBe('1');
    expect(b.engine.customers.size).toBe(0);
  });
});

describe('the session cookie', () => {
  it('authenticates GET requests; GET /v1/me shows the user and the customer', async () => {
    const a = makeApp();
    const bo = await a.account('bob', 'user');
    const me = await a.call('GET', '/v1/me', { cookie: bo.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      role: 'customer', customerId: bo.user.customerId, expiresAt: bo.expiresAt, user: bo.user,
      customer: { id: bo.user.customerId, name: 'Person bob', balance: 0 },
    });
    const byHeader = await a.call('GET', '/v1/me', { token: bo.token });
    expect(byHeader.body).toEqual(me.body);
    expect((await a.call('GET', `/v1/customers/${bo.user.customerId}`, { cookie: bo.token })).status).toBe(200);
    // An API token is no one's session: /v1/me has no user for it.
    const admin = await a.call('GET', '/v1/me', { token: a.admin });
    expect(admin.body).toMatchObject({ role: 'admin' });
    expect(admin.body).not.toHaveProperty('user');
  });

  it('refuses a POST or DELETE by cookie without the right X-CSRF-Token (403 csrf_failed), and does it with it', async () => {
    const a = makeApp();
    const ada = await a.account('ada', 'admin');
    const body = signup('bob', { role: 'user' });
    expectError(await a.call('POST', '/v1/users', { cookie: ada.token, body }), 403, 'csrf_failed');
    expectError(await a.call('POST', '/v1/users', { cookie: ada.token, body, csrf: 'x'.repeat(43) }), 403, 'csrf_failed');
    expectError(await a.call('POST', '/v1/users', { cookie: ada.token, body, csrf: ada.csrfToken.slice(1) }), 403, 'csrf_failed');
    expect(a.engine.customers.size).toBe(0);
    expect((await a.call('POST', '/v1/users', { cookie: ada.token, body, csrf: ada.csrfToken })).status).toBe(201);
    // Another session's CSRF token is not this one's.
    const other = await a.login('ada');
    expectError(await a.call('DELETE', '/v1/sessions/current', { cookie: ada.token, csrf: other.csrfToken }), 403, 'csrf_failed');
    expectError(await a.call('DELETE', '/v1/sessions/current', { cookie: ada.token }), 403, 'csrf_failed');
    expect((await a.call('GET', '/v1/me', { cookie: ada.token })).status).toBe(200);
    expect((await a.call('DELETE', '/v1/sessions/current', { cookie: ada.token, csrf: ada.csrfToken })).status).toBe(204);
    expectError(await a.call('GET', '/v1/me', { cookie: ada.token }), 401, 'unauthorized');
  });

  it('lets the Authorization header win over the cookie (and then asks no CSRF token)', async () => {
    const a = makeApp();
    const bo = await a.account('bob', 'user');
    const ada = await a.account('ada', 'admin');
    const me = await a.call('GET', '/v1/me', { token: ada.token, cookie: bo.token });
    expect(me.body).toMatchObject({ role: 'admin', user: { username: 'ada' } });
    // A bad header is not rescued by a good cookie.
    expectError(await a.call('GET', '/v1/me', { token: 'tkd_not-a-token', cookie: bo.token }), 401, 'unauthorized');
    const created = await a.call('POST', '/v1/users', { token: ada.token, cookie: bo.token, body: signup('cyd', { role: 'manager' }) });
    expect(created.status).toBe(201);
  });
});

describe('logging out and ending sessions', () => {
  it('logs out with 204 and cleared cookies; the token is then 401; an API token cannot log out (400 not_a_session)', async () => {
    const a = makeApp();
    const bo = await a.account('bob', 'user');
    expect((await a.call('GET', '/v1/me', { token: bo.token })).status).toBe(200);
    const out = await a.call('DELETE', '/v1/sessions/current', { token: bo.token });
    expect(out.status).toBe(204);
    const cleared = setCookies(out);
    expect(cleared.get('ticketd_session')).toMatch(/^ticketd_session=;/);
    expect(cleared.get('ticketd_session')!.toLowerCase()).toContain('max-age=0');
    expect(cleared.get('ticketd_csrf')).toMatch(/^ticketd_csrf=;/);
    expectError(await a.call('GET', '/v1/me', { token: bo.token }), 401, 'unauthorized');
    expectError(await a.call('DELETE', '/v1/sessions/current', { token: bo.token }), 401, 'unauthorized');
    expectError(await a.call('DELETE', '/v1/sessions/current', { token: a.admin }), 400, 'not_a_session');
  });

  it('ends a session at its expiry, even one the authenticator has just seen', async () => {
    const a = makeApp();
    const bo = await a.account('bob', 'user');
    const endMs = Date.parse(bo.expiresAt);
    a.clock.advanceTo(endMs - 1);
    expect((await a.call('GET', '/v1/me', { token: bo.token })).status).toBe(200);
    a.clock.advanceTo(endMs);
    expectError(await a.call('GET', '/v1/me', { token: bo.token }), 401, 'unauthorized');
  });

  it('ends every session of an account at once when an admin disables it, changes its password or erases it', async () => {
    const a = makeApp();
    for (const [name, act] of [
      ['d', (id: string) => a.call('PATCH', `/v1/users/${id}`, { token: a.admin, body: { disabled: true } })],
      ['p', (id: string) => a.call('PATCH', `/v1/users/${id}`, { token: a.admin, body: { password: 'another fine passphrase' } })],
      ['e', (id: string) => a.call('DELETE', `/v1/users/${id}`, { token: a.admin })],
    ] as const) {
      const session = await a.account(`user-${name}`, 'user');
      // Seen once, so the authenticator has it cached: the change must drop it from the cache too.
      expect((await a.call('GET', '/v1/me', { token: session.token })).status).toBe(200);
      expect((await act(session.user.id)).status).toBeLessThan(300);
      expectError(await a.call('GET', '/v1/me', { token: session.token }), 401, 'unauthorized');
    }
  });

  it('erases a user: GET then 404, the customer stays, the username can be had again', async () => {
    const a = makeApp({ allowSignup: true });
    const bo = (await a.call('POST', '/v1/users', { body: signup('bob') })).body as User;
    expect((await a.call('DELETE', `/v1/users/${bo.id}`, { token: a.admin })).status).toBe(204);
    expectError(await a.call('GET', `/v1/users/${bo.id}`, { token: a.admin }), 404, 'unknown_user');
    expectError(await a.call('DELETE', `/v1/users/${bo.id}`, { token: a.admin }), 404, 'unknown_user');
    expect(a.engine.getCustomer(bo.customerId!)).toBeDefined();
    const again = await a.call('POST', '/v1/users', { body: signup('bob') });
    expect(again.status).toBe(201);
    expect((again.body as User).id).not.toBe(bo.id);
  });
});
