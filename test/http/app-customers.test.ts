import { describe, expect, it } from 'vitest';
import { AMOUNT_MAX } from '../../src/domain/types.ts';
import { EngineError } from '../../src/pipeline/engine-api.ts';
import { expectError, harness, seedCustomer } from './helpers.ts';

describe('customers', () => {
  it('PUT creates (201) then replaces name and tier (200) and GET reads the customer back', async () => {
    const h = harness();
    const created = await h.call('PUT', '/v1/customers/c-9', { name: 'Ada', tier: 'standard', balance: 500 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 'c-9', name: 'Ada', tier: 'standard', balance: 500, currency: 'EUR' });
    const updated = await h.call('PUT', '/v1/customers/c-9', { name: 'Ada L.', tier: 'season-pass' });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ id: 'c-9', name: 'Ada L.', tier: 'season-pass', balance: 500, currency: 'EUR' });
    const read = await h.call('GET', '/v1/customers/c-9');
    expect(read.status).toBe(200);
    expect(read.body).toEqual(updated.body);
  });

  it('PUT opens a new customer at 0 without a balance, and refuses another balance for one that exists (409)', async () => {
    const h = harness();
    const created = await h.call('PUT', '/v1/customers/c-9', { name: 'Ada', tier: 'standard' });
    expect(created).toMatchObject({ status: 201, body: { balance: 0 } });
    expectError(await h.call('PUT', '/v1/customers/c-9', { name: 'Ada', tier: 'standard', balance: 7 }), 409, 'balance_not_settable');
    expect(h.engine.customers.get('c-9')?.balance).toBe(0);
  });

  it('PUT sent again as it was (a retry after a timeout) answers 200 with the customer, the balance it names being the one it has', async () => {
    const h = harness();
    const body = { name: 'Ada', tier: 'standard', balance: 2_500 };
    expect(await h.call('PUT', '/v1/customers/c-9', body)).toMatchObject({ status: 201, body: { balance: 2_500 } });
    expect(await h.call('PUT', '/v1/customers/c-9', body)).toMatchObject({ status: 200, body: { id: 'c-9', balance: 2_500 } });
  });

  it('PATCH changes only the fields sent, and is 404 for an unknown customer', async () => {
    const h = harness();
    seedCustomer(h.engine);
    const patched = await h.call('PATCH', '/v1/customers/c-1', { tier: 'season-pass' });
    expect(patched).toMatchObject({ status: 200, body: { id: 'c-1', name: 'Ada', tier: 'season-pass', balance: 1_000 } });
    expectError(await h.call('PATCH', '/v1/customers/c-1', { balance: 5 }), 400, 'unknown_field');
    expectError(await h.call('PATCH', '/v1/customers/c-404', { name: 'Bo' }), 404, 'unknown_customer');
  });

  it('takes a JSON body only with Content-Type: application/json (charset allowed), else 415', async () => {
    const h = harness();
    const body = { name: 'Ada', tier: 'standard' };
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
      expectError(await h.call('PUT', '/v1/customers/c-9', body, { 'content-type': type }), 415, 'unsupported_media_type');
    }
    const raw = await h.app.request('/v1/customers/c-9', {
      method: 'PUT', body: JSON.stringify(body), headers: { authorization: `Bearer ${h.tokens.admin}` },
    });
    expect(raw.status).toBe(415);
    expect(h.engine.customers.size).toBe(0);
    const charset = await h.call('PUT', '/v1/customers/c-9', body, { 'content-type': 'application/json; charset=utf-8' });
    expect(charset.status).toBe(201);
  });

  it('names the field and the allowed values in a validation failure', async () => {
    const h = harness();
    const answer = await h.call('PUT', '/v1/customers/c-9', { name: 'Ada', tier: 'gold' });
    expectError(answer, 400, 'invalid_field');
    expect((answer.body as { error: { message: string } }).error.message).toBe('tier: must be one of standard, season-pass');
  });

  it('answers a trailing slash as the same route', async () => {
    const h = harness();
    seedCustomer(h.engine);
    expect(await h.call('GET', '/v1/customers/c-1/')).toMatchObject({ status: 200, body: { id: 'c-1' } });
    expect((await h.call('GET', '/health/', undefined, { authorization: '' })).status).toBe(200);
  });

  it('GET answers 404 unknown_customer and 400 for a malformed id', async () => {
    const h = harness();
    expectError(await h.call('GET', '/v1/customers/nobody'), 404, 'unknown_customer');
    expectError(await h.call('GET', '/v1/customers/no.body'), 400, 'invalid_field');
  });

  it.each([
    [{ name: 'Ada', tier: 'gold', balance: 0 }, 'invalid_field'],
    [{ name: 'Ada', tier: 'standard', balance: -1 }, 'invalid_field'],
    [{ name: 'Ada', tier: 'standard', balance: '5' }, 'invalid_field'],
    [{ name: 'Ada\u202eevil', tier: 'standard' }, 'invalid_field'],
    [{ name: 'Ada\u0007', tier: 'standard' }, 'invalid_field'],
    [{ name: 'Ada', tier: 'standard', balance: 0, admin: true }, 'unknown_field'],
    [[{ name: 'Ada' }], 'invalid_body'],
  ])('PUT rejects %j with 400 %s', async (body, code) => {
    const h = harness();
    expectError(await h.call('PUT', '/v1/customers/c-9', body), 400, code);
    expect(h.engine.customers.size).toBe(0);
  });

  it('top-ups answer 201 applied, then 200 duplicate for the same topUpId', async () => {
    const h = harness();
    seedCustomer(h.engine);
    const applied = await h.call('POST', '/v1/customers/c-1/top-ups', { topUpId: 'tu-1', amount: 250 });
    expect(applied.status).toBe(201);
    expect(applied.body).toEqual({
      status: 'applied',
      customer: { id: 'c-1', name: 'Ada', tier: 'standard', balance: 1_250, currency: 'EUR' },
    });
    const duplicate = await h.call('POST', '/v1/customers/c-1/top-ups', { topUpId: 'tu-1', amount: 250 });
    expect(duplicate.status).toBe(200);
    expect((duplicate.body as { status: string }).status).toBe('duplicate');
  });

  it('top-ups map engine errors and reject bad bodies', async () => {
    const h = harness();
    const topUp = (body: unknown) => h.call('POST', '/v1/customers/c-1/top-ups', body);
    h.engine.failNext('topUp', new EngineError('ERR_UNKNOWN_CUSTOMER', "no customer 'c-1'"));
    expectError(await topUp({ topUpId: 'tu-1', amount: 1 }), 404, 'unknown_customer');
    h.engine.failNext('topUp', new EngineError('ERR_TOPUP_CONFLICT', 'tu-1 was applied with another amount'));
    expectError(await topUp({ topUpId: 'tu-1', amount: 2 }), 409, 'topup_conflict');
    expectError(await topUp({ topUpId: 'tu-1', amount: 0 }), 400, 'invalid_field');
    expectError(await topUp({ topUpId: 'tu 1', amount: 1 }), 400, 'invalid_field');
    expectError(await topUp('{"topUpId":"tu-1",'), 400, 'invalid_json');
  });

  it('refuses a top-up that would take the balance over the ceiling of every amount: 409 balance_limit_exceeded', async () => {
    const h = harness();
    seedCustomer(h.engine);
    const topUp = (topUpId: string, amount: number) => h.call('POST', '/v1/customers/c-1/top-ups', { topUpId, amount });
    expect((await topUp('tu-1', AMOUNT_MAX - 1_000)).status).toBe(201);
    expectError(await topUp('tu-2', 1), 409, 'balance_limit_exceeded');
    expect(h.engine.customers.get('c-1')?.balance).toBe(AMOUNT_MAX);
  });

  it('lists tickets with a default limit of 50 and passes limit and cursor through', async () => {
    const h = harness();
    seedCustomer(h.engine);
    const first = await h.call('GET', '/v1/customers/c-1/tickets');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ tickets: [], nextCursor: null });
    const paged = await h.call('GET', '/v1/customers/c-1/tickets?limit=1');
    expect(paged.body).toEqual({ tickets: [], nextCursor: 'k1.c-1' });
    const next = await h.call('GET', '/v1/customers/c-1/tickets?limit=1&cursor=k1.c-1');
    expect(next.body).toEqual({ tickets: [], nextCursor: null });
  });

  it.each(['0', '1001', '-1', '1.5', 'ten', '', '1e2'])('rejects ?limit=%s with 400 invalid_query', async (limit) => {
    const h = harness();
    seedCustomer(h.engine);
    expectError(await h.call('GET', `/v1/customers/c-1/tickets?limit=${limit}`), 400, 'invalid_query');
  });

  it('rejects a malformed cursor, and a forged one the store refuses, with 400 invalid_cursor', async () => {
    const h = harness();
    seedCustomer(h.engine);
    expectError(await h.call('GET', '/v1/customers/c-1/tickets?cursor=%3Cscript%3E'), 400, 'invalid_cursor');
    const { StoreError } = await import('../../src/store/store-error.ts');
    h.engine.failNext('listTickets', new StoreError('ERR_INVALID_CURSOR', 'cursor is not one this store handed out'));
    expectError(await h.call('GET', '/v1/customers/c-1/tickets?cursor=k1.bogus'), 400, 'invalid_cursor');
  });

  it('tickets of an unknown customer are 404', async () => {
    const h = harness();
    expectError(await h.call('GET', '/v1/customers/c-404/tickets'), 404, 'unknown_customer');
  });
});
