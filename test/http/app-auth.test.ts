/**
 * Who may call what: bearer tokens and their roles, the token admin routes, the rate limits per token and per
 * client address (virtual time) and CORS, in process against a fake engine with the real authenticator over an
 * in-memory token list.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RATE_LIMIT_DEFAULTS } from '../../src/auth/rate-limiter.ts';
import { BODY_BYTES_MAX } from '../../src/http/app.ts';
import { bearer, expectError, harness, seedCustomer, tap, type Answer } from './helpers.ts';
import { liveServer, type LiveServer } from './sse-server.ts';

const NO_TOKEN = { authorization: '' };

function expectUnauthorized(answer: Answer): void {
  expectError(answer, 401, 'unauthorized');
  expect(answer.headers.get('www-authenticate')).toBe('Bearer');
}

/** A harness with customers c-1 and c-2, and a token of each kind. */
function withRoles(options: Parameters<typeof harness>[0] = {}) {
  const h = harness(options);
  seedCustomer(h.engine, 'c-1');
  seedCustomer(h.engine, 'c-2');
  h.engine.machines.set('gate-1', { id: 'gate-1' });
  const make = h.tokens.authenticator;
  const gate1 = bearer(make.create({ role: 'machine', machineId: 'gate-1' }).token);
  const c1 = bearer(make.create({ role: 'customer', customerId: 'c-1' }).token);
  return { h, gate1, c1 };
}

let live: LiveServer | undefined;
afterEach(async () => {
  await live?.stop();
  live = undefined;
});

describe('authentication', () => {
  it('answers 401 unauthorized with WWW-Authenticate: Bearer without a valid token, on every path', async () => {
    const h = harness();
    seedCustomer(h.engine);
    const bad = [NO_TOKEN, { authorization: 'Bearer nope' }, { authorization: `Basic ${h.tokens.admin}` },
      bearer(`tkd_${'Z'.repeat(43)}`), { authorization: h.tokens.admin }];
    for (const headers of bad) {
      for (const [method, path] of [['GET', '/v1/customers/c-1'], ['GET', '/v1/rides'], ['GET', '/v1/nowhere'],
        ['GET', '/v1/tokens'], ['DELETE', '/v1/tokens/tok-1'], ['GET', '/v1/customers/c-1/events']] as const) {
        expectUnauthorized(await h.call(method, path, undefined, headers));
      }
    }
    expect((await h.call('GET', '/v1/customers/c-1')).status).toBe(200);
  });

  it('lets anyone call /health and /ready', async () => {
    const h = harness();
    expect((await h.call('GET', '/health', undefined, NO_TOKEN)).status).toBe(200);
    expect((await h.call('GET', '/ready', undefined, NO_TOKEN)).status).toBe(200);
  });

  it('decides before the body is read: a 401 never depends on it', async () => {
    const h = harness();
    expectUnauthorized(await h.call('POST', '/v1/taps', '{not json', NO_TOKEN));
    const big = JSON.stringify([tap(1)]).padEnd(BODY_BYTES_MAX + 10, ' ');
    expectUnauthorized(await h.call('POST', '/v1/taps', big, { ...NO_TOKEN, 'content-length': String(big.length) }));
    expectUnauthorized(await h.call('PUT', '/v1/rides/r', { name: 1 }, NO_TOKEN));
    expect(h.engine.submitted).toEqual([]);
  });
});

describe('roles', () => {
  it('a machine sends its own taps, and nothing of a batch that names another machine', async () => {
    const { h, gate1 } = withRoles();
    const own = await h.call('POST', '/v1/taps', [tap(1), tap(2)], gate1);
    expect(own.status).toBe(200);
    const mixed = await h.call('POST', '/v1/taps', [tap(3), tap(4, { machineId: 'gate-2' }), tap(5)], gate1);
    expectError(mixed, 403, 'forbidden');
    expect((mixed.body as { error: { message: string } }).error.message).toContain('taps[1]');
    expectError(await h.call('POST', '/v1/taps', tap(6, { machineId: 'gate-2' }), gate1), 403, 'forbidden');
    expect(h.engine.submitted.map((s) => s.taps.map((t) => t.tapId))).toEqual([['tap-1', 'tap-2']]);
    expect([...h.engine.taps.keys()]).toEqual(['tap-1', 'tap-2']);
  });

  it('a machine may do nothing else', async () => {
    const { h, gate1 } = withRoles();
    await h.call('POST', '/v1/taps', tap(1), gate1);
    for (const [method, path, body] of [['GET', '/v1/taps/tap-1'], ['GET', '/v1/customers/c-1'], ['GET', '/v1/rides'],
      ['PUT', '/v1/machines/gate-1', {}], ['GET', '/v1/dead-letters'], ['GET', '/v1/tokens'],
      ['POST', '/v1/tokens', { role: 'admin' }], ['GET', '/v1/customers/c-1/events']] as const) {
      expectError(await h.call(method, path, body, gate1), 403, 'forbidden');
    }
  });

  it("a customer reads its own customer, tickets and taps; another's is 403, another's tap unknown (404)", async () => {
    const { h, c1, gate1 } = withRoles();
    await h.call('POST', '/v1/taps', [tap(1, { customerId: 'c-1' }), tap(2, { customerId: 'c-2' })], gate1);
    expect(await h.call('GET', '/v1/customers/c-1', undefined, c1)).toMatchObject({ status: 200, body: { id: 'c-1' } });
    expect((await h.call('GET', '/v1/customers/c-1/tickets', undefined, c1)).status).toBe(200);
    expect(await h.call('GET', '/v1/taps/tap-1', undefined, c1)).toMatchObject({ status: 200, body: { tapId: 'tap-1' } });
    expectError(await h.call('GET', '/v1/customers/c-2', undefined, c1), 403, 'forbidden');
    expectError(await h.call('GET', '/v1/customers/c-9', undefined, c1), 403, 'forbidden');
    expectError(await h.call('GET', '/v1/customers/c-2/tickets', undefined, c1), 403, 'forbidden');
    expectError(await h.call('GET', '/v1/customers/c-2/events', undefined, c1), 403, 'forbidden');
    // Another customer's tap is answered as a tap that does not exist: the same status, code and message shape.
    const others = await h.call('GET', '/v1/taps/tap-2', undefined, c1);
    const none = await h.call('GET', '/v1/taps/tap-9', undefined, c1);
    expectError(others, 404, 'unknown_tap');
    expectError(none, 404, 'unknown_tap');
    expect((others.body as { error: { message: string } }).error.message).toBe("no tap 'tap-2'");
    expect((none.body as { error: { message: string } }).error.message).toBe("no tap 'tap-9'");
  });

  it('a customer changes nothing: no taps, no profile, no top-ups, no catalog', async () => {
    const { h, c1 } = withRoles();
    for (const [method, path, body] of [['POST', '/v1/taps', tap(1, { customerId: 'c-1' })],
      ['PUT', '/v1/customers/c-1', { name: 'Eve', tier: 'standard', balance: 1 }],
      ['POST', '/v1/customers/c-1/top-ups', { topUpId: 't', amount: 100 }], ['GET', '/v1/rides'],
      ['POST', '/v1/dead-letters/1/replay'], ['POST', '/v1/tokens', { role: 'customer', customerId: 'c-1' }]] as const) {
      expectError(await h.call(method, path, body, c1), 403, 'forbidden');
    }
    expect(h.engine.submitted).toEqual([]);
    expect(h.engine.topUps.size).toBe(0);
  });

  it("a customer follows its own event stream, not another's", async () => {
    live = await liveServer();
    const c1 = live.tokens.authenticator.create({ role: 'customer', customerId: 'c-1' }).token;
    const own = await live.connect('c-1', bearer(c1));
    expect(own.status).toBe(200);
    const other = await live.connect('c-2', bearer(c1));
    await other.waitFor(() => other.ended, 'the refusal to end');
    expect(other.status).toBe(403);
    expect(JSON.parse(other.text)).toMatchObject({ error: { code: 'forbidden' } });
    expect(live.hub.stats().connections).toBe(1);
  });
});

describe('/v1/tokens', () => {
  it('an admin creates a token (its secret in that answer only), lists them without secrets, and revokes one', async () => {
    const h = harness();
    h.engine.machines.set('gate-7', { id: 'gate-7' });
    const created = await h.call('POST', '/v1/tokens', { role: 'machine', machineId: 'gate-7' });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const token = created.body as { id: string; token: string; role: string; machineId: string };
    expect(token).toEqual({ id: expect.any(String), token: expect.stringMatching(/^tkd_/), role: 'machine', machineId: 'gate-7' });
    expect((await h.call('POST', '/v1/taps', tap(1, { machineId: 'gate-7' }), bearer(token.token))).status).toBe(200);

    const listed = await h.call('GET', '/v1/tokens');
    expect(listed.status).toBe(200);
    const tokens = (listed.body as { tokens: Array<Record<string, unknown>> }).tokens;
    expect(tokens.map((t) => t.id)).toContain(token.id);
    expect(JSON.stringify(listed.body)).not.toContain('tkd_');

    const revoked = await h.call('DELETE', `/v1/tokens/${token.id}`);
    expect([revoked.status, revoked.body]).toEqual([204, '']);
    expectUnauthorized(await h.call('POST', '/v1/taps', tap(2, { machineId: 'gate-7' }), bearer(token.token)));
    expect((await h.call('DELETE', `/v1/tokens/${token.id}`)).status).toBe(204);
    expectError(await h.call('DELETE', '/v1/tokens/tok-none'), 404, 'unknown_token');
  });

  it('refuses a scope that does not fit its role', async () => {
    const h = harness();
    expectError(await h.call('POST', '/v1/tokens', { role: 'machine' }), 400, 'invalid_field');
    expectError(await h.call('POST', '/v1/tokens', { role: 'superuser' }), 400, 'invalid_field');
    expectError(await h.call('POST', '/v1/tokens', { role: 'admin', customerId: 'c-1' }), 400, 'invalid_field');
    expectError(await h.call('POST', '/v1/tokens', '{'), 400, 'invalid_json');
    expect(h.tokens.tokens.listTokens()).toHaveLength(1);
  });

  it('mints no token for a customer or machine that does not exist: 404 unknown_customer / unknown_machine', async () => {
    const h = harness();
    expectError(await h.call('POST', '/v1/tokens', { role: 'customer', customerId: 'c-404' }), 404, 'unknown_customer');
    expectError(await h.call('POST', '/v1/tokens', { role: 'machine', machineId: 'gate-404' }), 404, 'unknown_machine');
    expect(h.tokens.tokens.listTokens()).toHaveLength(1);
    seedCustomer(h.engine, 'c-404');
    expect((await h.call('POST', '/v1/tokens', { role: 'customer', customerId: 'c-404' })).status).toBe(201);
  });
});

describe('the per-token rate limits, in virtual time', () => {
  it('by default limits customers only: a machine and an admin make 1,000 requests each without a 429', async () => {
    const { h, gate1, c1 } = withRoles({ rateLimits: RATE_LIMIT_DEFAULTS });
    for (let i = 0; i < 1_000; i++) expect((await h.call('POST', '/v1/taps', tap(i), gate1)).status).toBe(200);
    for (let i = 0; i < 1_000; i++) expect((await h.call('GET', '/v1/rides')).status).toBe(200);
    for (let i = 0; i < 20; i++) expect((await h.call('GET', '/v1/customers/c-1', undefined, c1)).status).toBe(200);
    expectError(await h.call('GET', '/v1/customers/c-1', undefined, c1), 429, 'rate_limited');
  });

  it('admits a burst of 20, then 429 rate_limited with Retry-After until a token is back', async () => {
    const { h, c1, gate1 } = withRoles({ rateLimits: { customer: { ratePerMinute: 100, burst: 20 } } });
    for (let i = 0; i < 20; i++) expect((await h.call('GET', '/v1/customers/c-1', undefined, c1)).status).toBe(200);
    const over = await h.call('GET', '/v1/customers/c-1', undefined, c1);
    expectError(over, 429, 'rate_limited');
    expect(over.headers.get('retry-after')).toBe('1');
    expect((await h.call('POST', '/v1/taps', tap(1), gate1)).status).toBe(200); // another role, not limited
    expect((await h.call('GET', '/health', undefined, c1)).status).toBe(200); // public paths are not counted
    h.clock.advanceTo(h.clock.now() + 599);
    expectError(await h.call('GET', '/v1/customers/c-1', undefined, c1), 429, 'rate_limited');
    h.clock.advanceTo(h.clock.now() + 1);
    expect((await h.call('GET', '/v1/customers/c-1', undefined, c1)).status).toBe(200);
  });

  it("applies each role's limit to that role's tokens", async () => {
    const { h, gate1, c1 } = withRoles({
      rateLimits: { customer: { ratePerMinute: 60, burst: 3 }, machine: { ratePerMinute: 60, burst: 5 }, admin: { ratePerMinute: 0, burst: 3 } },
    });
    const statuses = async (n: number, request: (i: number) => Promise<Answer>) => {
      const seen: number[] = [];
      for (let i = 0; i < n; i++) seen.push((await request(i)).status);
      return seen;
    };
    expect(await statuses(4, () => h.call('GET', '/v1/customers/c-1', undefined, c1))).toEqual([200, 200, 200, 429]);
    expect(await statuses(6, (i) => h.call('POST', '/v1/taps', tap(i), gate1))).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await statuses(100, () => h.call('GET', '/v1/rides'))).every((status) => status === 200)).toBe(true);
  });

  it('keeps one bucket per token, not per role', async () => {
    const { h, gate1 } = withRoles({ rateLimits: { machine: { ratePerMinute: 60, burst: 1 } } });
    h.engine.machines.set('gate-2', { id: 'gate-2' });
    const gate2 = bearer(h.tokens.authenticator.create({ role: 'machine', machineId: 'gate-2' }).token);
    expect((await h.call('POST', '/v1/taps', tap(1), gate1)).status).toBe(200);
    expectError(await h.call('POST', '/v1/taps', tap(2), gate1), 429, 'rate_limited');
    expect((await h.call('POST', '/v1/taps', tap(3, { machineId: 'gate-2' }), gate2)).status).toBe(200);
  });

  it('says a whole number of seconds, rounded up, in Retry-After', async () => {
    const slow = harness({ rateLimits: { admin: { ratePerMinute: 6, burst: 1 } } });
    expect((await slow.call('GET', '/v1/rides')).status).toBe(200);
    const over = await slow.call('GET', '/v1/rides');
    expectError(over, 429, 'rate_limited');
    expect(over.headers.get('retry-after')).toBe('10');
  });

  it('counts no request without a valid token against any token', async () => {
    const { h, c1 } = withRoles({ rateLimits: { customer: { ratePerMinute: 100, burst: 20 } } });
    for (let i = 0; i < 50; i++) expectUnauthorized(await h.call('GET', '/v1/customers/c-1', undefined, NO_TOKEN));
    expect((await h.call('GET', '/v1/customers/c-1', undefined, c1)).status).toBe(200);
  });
});

describe('the limit on failed authentications per client address, in virtual time', () => {
  const ATTACKER = '203.0.113.7';
  const unknownToken = (i: number) => bearer(`tkd_${String(i).padStart(43, 'u')}`);
  /** Five failures an address, one more every 12 s. */
  const guarded = () => withRoles({ rateLimits: { unauthenticated: { ratePerMinute: 5, burst: 5 } } });

  it('answers 429 with Retry-After after the burst, and then looks no token up', async () => {
    const { h } = guarded();
    const lookupsBefore = h.tokens.tokens.lookups;
    for (let i = 0; i < 5; i++) expectUnauthorized(await h.call('GET', '/v1/rides', undefined, unknownToken(i), ATTACKER));
    expect(h.tokens.tokens.lookups - lookupsBefore).toBe(5);
    for (let i = 5; i < 1_000; i++) {
      const over = await h.call('GET', '/v1/rides', undefined, unknownToken(i), ATTACKER);
      expectError(over, 429, 'rate_limited');
      expect(over.headers.get('retry-after')).toBe('12');
    }
    expect(h.tokens.tokens.lookups - lookupsBefore).toBe(5);
    h.clock.advanceTo(h.clock.now() + 12_000);
    expectUnauthorized(await h.call('GET', '/v1/rides', undefined, unknownToken(1_000), ATTACKER));
    expectError(await h.call('GET', '/v1/rides', undefined, unknownToken(1_001), ATTACKER), 429, 'rate_limited');
    expect(h.tokens.tokens.lookups - lookupsBefore).toBe(6);
  });

  it('counts a missing token too, and keeps each address apart', async () => {
    const { h } = guarded();
    for (let i = 0; i < 5; i++) expectUnauthorized(await h.call('GET', '/v1/rides', undefined, NO_TOKEN, ATTACKER));
    expectError(await h.call('GET', '/v1/rides', undefined, NO_TOKEN, ATTACKER), 429, 'rate_limited');
    expectUnauthorized(await h.call('GET', '/v1/rides', undefined, NO_TOKEN, '198.51.100.1'));
    expectUnauthorized(await h.call('GET', '/v1/rides', undefined, NO_TOKEN)); // no socket: the address 'unknown'
    expect((await h.call('GET', '/health', undefined, NO_TOKEN, ATTACKER)).status).toBe(200);
  });

  it('still serves a token seen valid lately from a throttled address, without a lookup; a token not seen waits', async () => {
    const { h, gate1, c1 } = guarded();
    expect((await h.call('POST', '/v1/taps', tap(1), gate1, ATTACKER)).status).toBe(200);
    for (let i = 0; i < 5; i++) expectUnauthorized(await h.call('GET', '/v1/rides', undefined, unknownToken(i), ATTACKER));
    const lookupsBefore = h.tokens.tokens.lookups;
    for (let i = 2; i < 12; i++) expect((await h.call('POST', '/v1/taps', tap(i), gate1, ATTACKER)).status).toBe(200);
    expect(h.tokens.tokens.lookups).toBe(lookupsBefore);
    // c-1's token was never presented, so it is not in the cache: it waits for the address, like any unknown token.
    expectError(await h.call('GET', '/v1/customers/c-1', undefined, c1, ATTACKER), 429, 'rate_limited');
    expect((await h.call('GET', '/v1/customers/c-1', undefined, c1, '198.51.100.1')).status).toBe(200);
    expect(h.tokens.tokens.lookups).toBe(lookupsBefore + 1);
  });

  it('does not spend the address on valid tokens', async () => {
    const { h, gate1 } = guarded();
    for (let i = 0; i < 100; i++) expect((await h.call('POST', '/v1/taps', tap(i), gate1, ATTACKER)).status).toBe(200);
    for (let i = 0; i < 5; i++) expectUnauthorized(await h.call('GET', '/v1/rides', undefined, unknownToken(i), ATTACKER));
  });
});

describe('CORS', () => {
  const ORIGIN = 'https://app.example';

  it('sends no CORS headers unless origins are configured', async () => {
    const h = harness();
    const answer = await h.call('GET', '/v1/rides', undefined, { origin: ORIGIN });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expectUnauthorized(await h.call('OPTIONS', '/v1/taps', undefined, { ...NO_TOKEN, origin: ORIGIN, 'access-control-request-method': 'POST' }));
  });

  it('answers a preflight without a token and marks answers, errors too, for an allowed origin only', async () => {
    const h = harness({ corsOrigins: [ORIGIN, 'http://localhost:5173'] });
    const preflight = await h.call('OPTIONS', '/v1/taps', undefined, {
      ...NO_TOKEN, origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('DELETE');
    const ok = await h.call('GET', '/v1/rides', undefined, { origin: ORIGIN });
    expect([ok.status, ok.headers.get('access-control-allow-origin')]).toEqual([200, ORIGIN]);
    expect(ok.headers.get('access-control-expose-headers')).toContain('Retry-After');
    const refused = await h.call('GET', '/v1/rides', undefined, { ...NO_TOKEN, origin: ORIGIN });
    expect([refused.status, refused.headers.get('access-control-allow-origin')]).toEqual([401, ORIGIN]);
    const stranger = await h.call('GET', '/v1/rides', undefined, { origin: 'https://evil.example' });
    expect([stranger.status, stranger.headers.get('access-control-allow-origin')]).toEqual([200, null]);
  });

  it('marks the event stream, which is written past hono, for an allowed origin', async () => {
    live = await liveServer({ corsOrigins: [ORIGIN] });
    const client = await live.connect('c-1', { origin: ORIGIN });
    expect(client.status).toBe(200);
    expect(client.headers['access-control-allow-origin']).toBe(ORIGIN);
    await client.waitFor(() => client.retryMs !== undefined, 'the retry frame');
    const stranger = await live.connect('c-2', { origin: 'https://evil.example' });
    expect([stranger.status, stranger.headers['access-control-allow-origin']]).toEqual([200, undefined]);
  });
});
