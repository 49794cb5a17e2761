/**
 * Accounts (accounts/accounts.ts) over a real store, on a virtual clock: creating accounts and their customers,
 * logging in by username or email, one answer for a wrong password and an unknown user, the login brake, disabled
 * accounts, rehashing an old hash, and password work in the worker pool with its bound.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Accounts, AccountError, type NewAccount } from '../../src/accounts/accounts.ts';
import { LoginLimiter } from '../../src/auth/login-limiter.ts';
import { InlinePasswordHasher, PasswordHasherBusyError, type PasswordHasher } from '../../src/auth/password.ts';
import { PoolPasswordHasher } from '../../src/workers/password-pool.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import type { CustomerInput } from '../../src/store/store-types.ts';
import { TicketStore } from '../../src/store/index.ts';
import { counterIds, makeHarness, T0, type Harness } from '../store/helpers.ts';
import { PASSWORD, seededSecrets, SMALL, userEvents } from './helpers.ts';

const TTL_MS = 2 * 3_600_000;
const ADDRESS = '203.0.113.7';

let h: Harness;
let clock: VirtualClock;
let opened: Array<{ id: string; input: CustomerInput }>;

beforeEach(() => {
  h = makeHarness();
  h.store.close();
  h.store = TicketStore.open({ dataDir: h.dir, ids: counterIds(), secrets: seededSecrets(21) });
  clock = new VirtualClock(T0);
  opened = [];
});
afterEach(() => h.cleanup());

/** Accounts on the harness's store; `openCustomer` records its calls and opens the customer in the store itself. */
function accountsWith(
  hasher: PasswordHasher = new InlinePasswordHasher({ secrets: seededSecrets(1), params: SMALL }),
  onLogin?: (outcome: string) => void,
): Accounts {
  let n = 0;
  return new Accounts({
    users: h.store.users,
    openCustomer: async (id, input) => {
      opened.push({ id, input });
      return h.store.upsertCustomer(id, input, clock.now());
    },
    hasher,
    limiter: new LoginLimiter({ clock }),
    clock,
    ids: { next: (prefix) => `${prefix}-acc-${++n}` },
    sessionTtlMs: TTL_MS,
    ...(onLogin !== undefined && { onLogin }),
  });
}

function account(username: string, extra: Partial<NewAccount> = {}): NewAccount {
  return { username, email: `${username}@example.com`, displayName: `Person ${username}`, role: 'user', password: PASSWORD, ...extra };
}

/** What `run` rejected with, as `{ code, retryAfterMs }`; fails the test if it resolved. */
async function refusal(run: Promise<unknown>): Promise<{ code: string; message: string; retryAfterMs?: number }> {
  const error = await run.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AccountError);
  const { code, message, retryAfterMs } = error as AccountError;
  return { code, message, ...(retryAfterMs !== undefined && { retryAfterMs }) };
}

describe('creating accounts', () => {
  it("opens a user's customer first (standard tier, empty wallet) and links the account to it", async () => {
    const accounts = accountsWith();
    const bo = await accounts.create(account('bo', { displayName: 'Bo Diddley' }));
    expect(opened).toEqual([{ id: 'cus-acc-1', input: { name: 'Bo Diddley', tier: 'standard' } }]);
    expect(bo).toMatchObject({ username: 'bo', role: 'user', customerId: 'cus-acc-1', createdAt: new Date(T0).toISOString() });
    expect(h.store.getCustomer('cus-acc-1')).toMatchObject({ name: 'Bo Diddley', tier: 'standard', balance: 0 });
    expect(accounts.ofCustomer('cus-acc-1')?.id).toBe(bo.id);
    expect(JSON.stringify(bo)).not.toContain('scrypt');
    const stored = h.store.users.findForLogin('bo')!.passwordHash;
    expect(stored.startsWith('$scrypt$ln=10,r=8,p=1$')).toBe(true);
  });

  it('opens no customer for staff, nor for a username or email already taken', async () => {
    const accounts = accountsWith();
    const ada = await accounts.create(account('ada', { role: 'manager' }));
    expect(ada.customerId).toBeUndefined();
    expect(opened).toEqual([]);
    expect(await refusal(accounts.create(account('ADA', { email: 'other@example.com' })))).toMatchObject({ code: 'username_taken' });
    expect(await refusal(accounts.create(account('ada2', { email: 'Ada@Example.com' })))).toMatchObject({ code: 'email_taken' });
    expect(opened).toEqual([]);
  });

  it.each([
    ['11 characters', 'a'.repeat(11)],
    ['empty', ''],
    ['257 characters', 'a'.repeat(257)],
  ])('refuses a weak password (%s) with weak_password, making nothing', async (_, password) => {
    const accounts = accountsWith();
    expect(await refusal(accounts.create(account('bo', { password })))).toMatchObject({ code: 'weak_password' });
    expect(opened).toEqual([]);
    expect(accounts.list({ limit: 10 }).users).toEqual([]);
    const ada = await accounts.create(account('ada', { role: 'admin' }));
    expect(await refusal(accounts.update(ada.id, { password }))).toMatchObject({ code: 'weak_password' });
    expect(accounts.get(ada.id).version).toBe(1);
  });
});

describe('logging in', () => {
  it('logs in by username or email in any case, with a session of the configured length', async () => {
    const accounts = accountsWith();
    const bo = await accounts.create(account('bo'));
    for (const login of ['bo', 'BO', 'bo@example.com', 'Bo@Example.COM']) {
      const session = await accounts.login(login, PASSWORD, ADDRESS);
      expect(session.user).toEqual(bo);
      expect(session.user).not.toHaveProperty('passwordHash');
      expect(session.expiresAt).toBe(new Date(clock.now() + TTL_MS).toISOString());
      expect(h.store.findToken(session.token, clock.now())).toMatchObject({
        tokenId: session.id, role: 'customer', customerId: bo.customerId, userId: bo.id, expiresAtMs: clock.now() + TTL_MS,
      });
      clock.advanceTo(clock.now() + 1_000);
    }
  });

  it('answers a wrong password and an unknown user with the same code and message', async () => {
    const accounts = accountsWith();
    await accounts.create(account('bo'));
    const wrong = await refusal(accounts.login('bo', 'not the password at all', ADDRESS));
    const unknown = await refusal(accounts.login('nobody', PASSWORD, '198.51.100.1'));
    const unknownEmail = await refusal(accounts.login('nobody@example.com', PASSWORD, '198.51.100.2'));
    expect(wrong).toEqual({ code: 'invalid_credentials', message: wrong.message });
    expect(unknown).toEqual(wrong);
    expect(unknownEmail).toEqual(wrong);
  });

  it('brakes the 4th attempt after 3 failures with login_throttled, and takes the right password once the wait has passed', async () => {
    const accounts = accountsWith();
    await accounts.create(account('bo'));
    for (let i = 0; i < 3; i++) {
      expect(await refusal(accounts.login('bo', `wrong password ${i}`, ADDRESS))).toMatchObject({ code: 'invalid_credentials' });
    }
    const throttled = await refusal(accounts.login('bo', PASSWORD, ADDRESS));
    expect(throttled.code).toBe('login_throttled');
    expect(throttled.retryAfterMs).toBeGreaterThan(0);
    // Another address does not get around the account's brake, and any case of the name is the same account.
    expect((await refusal(accounts.login('BO', PASSWORD, '198.51.100.9'))).code).toBe('login_throttled');
    clock.advanceTo(clock.now() + throttled.retryAfterMs! - 1);
    expect((await refusal(accounts.login('bo', PASSWORD, ADDRESS))).code).toBe('login_throttled');
    clock.advanceTo(clock.now() + 1);
    const session = await accounts.login('bo', PASSWORD, ADDRESS);
    expect(session.user.username).toBe('bo');
  });

  it('tells its listener how each login ended, for the metrics', async () => {
    const outcomes: string[] = [];
    const accounts = accountsWith(undefined, (outcome) => outcomes.push(outcome));
    await accounts.create(account('cy'));
    await accounts.login('cy', PASSWORD, ADDRESS);
    for (let i = 0; i < 4; i++) await refusal(accounts.login('cy', 'wrong password here', ADDRESS));
    expect(outcomes).toEqual(['ok', 'invalid_credentials', 'invalid_credentials', 'invalid_credentials', 'login_throttled']);
  });

  it('brakes an account whichever of its names the failures used: username in any case or email', async () => {
    const accounts = accountsWith();
    await accounts.create(account('bo'));
    // Each attempt from an address of its own: only the account's own count can brake the last one.
    const tries = ['bo', 'BO@example.com', 'Bo'];
    for (const [i, login] of tries.entries()) {
      expect((await refusal(accounts.login(login, `wrong password ${i}`, `198.51.100.${i + 1}`))).code).toBe('invalid_credentials');
    }
    expect((await refusal(accounts.login('bo@example.com', PASSWORD, '198.51.100.50'))).code).toBe('login_throttled');
    expect((await refusal(accounts.login('bo', PASSWORD, '198.51.100.51'))).code).toBe('login_throttled');
  });

  it('brakes an unknown user as it brakes a known one', async () => {
    const accounts = accountsWith();
    for (let i = 0; i < 3; i++) expect((await refusal(accounts.login('ghost', PASSWORD, ADDRESS))).code).toBe('invalid_credentials');
    expect((await refusal(accounts.login('ghost', PASSWORD, '198.51.100.9'))).code).toBe('login_throttled');
  });

  it('tells only one who gave the right password that the account is disabled', async () => {
    const accounts = accountsWith();
    const bo = await accounts.create(account('bo'));
    const session = await accounts.login('bo', PASSWORD, ADDRESS);
    const { revokedTokens } = await accounts.update(bo.id, { disabled: true });
    expect(revokedTokens).toEqual([session.id]);
    expect((await refusal(accounts.login('bo', 'a wrong password', ADDRESS))).code).toBe('invalid_credentials');
    expect((await refusal(accounts.login('bo', PASSWORD, ADDRESS))).code).toBe('account_disabled');
    await accounts.update(bo.id, { disabled: false });
    expect((await accounts.login('bo', PASSWORD, ADDRESS)).user.id).toBe(bo.id);
  });

  it("rehashes a hash of older parameters at login, keeping the account's other sessions", async () => {
    const old = accountsWith(new InlinePasswordHasher({ secrets: seededSecrets(2), params: { ln: 11, r: 8, p: 1 } }));
    const bo = await old.create(account('bo'));
    const first = await old.login('bo', PASSWORD, ADDRESS);
    expect(h.store.users.findForLogin('bo')!.passwordHash.startsWith('$scrypt$ln=11,')).toBe(true);

    const accounts = accountsWith();
    const second = await accounts.login('bo', PASSWORD, ADDRESS);
    const rehashed = h.store.users.findForLogin('bo')!.passwordHash;
    expect(rehashed.startsWith('$scrypt$ln=10,r=8,p=1$')).toBe(true);
    expect(h.store.findToken(second.token, clock.now())?.userId).toBe(bo.id);
    // The same password, hashed anew: no session made under it ends.
    expect(h.store.findToken(first.token, clock.now())?.userId).toBe(bo.id);
    // Once rehashed, a login leaves the hash as it is.
    await accounts.login('bo', PASSWORD, ADDRESS);
    expect(h.store.users.findForLogin('bo')!.passwordHash).toBe(rehashed);
    expect(userEvents(h.dir, bo.id).map((e) => e.type)).toEqual(['user.created', 'user.updated']);
  });

  it('changes a password: the old one stops working, the new one works, and the sessions end', async () => {
    const accounts = accountsWith();
    const bo = await accounts.create(account('bo'));
    const session = await accounts.login('bo', PASSWORD, ADDRESS);
    const { revokedTokens, user } = await accounts.update(bo.id, { password: 'a brand new passphrase' });
    expect(revokedTokens).toEqual([session.id]);
    expect(user.version).toBe(2);
    expect((await refusal(accounts.login('bo', PASSWORD, ADDRESS))).code).toBe('invalid_credentials');
    expect((await accounts.login('bo', 'a brand new passphrase', ADDRESS)).user.id).toBe(bo.id);
    expect((await refusal(accounts.update('usr_404', { displayName: 'x' }))).code).toBe('unknown_user');
    expect((await refusal(accounts.update(bo.id, { role: 'admin' }))).code).toBe('role_not_changeable');
  });
});

describe('passwords in the worker pool', () => {
  it('hashes, verifies and dummy-verifies on a worker thread', async () => {
    const pool = new PoolPasswordHasher({ secrets: seededSecrets(3), params: SMALL, threads: 1, maxQueue: 4 });
    try {
      const stored = await pool.hash(PASSWORD);
      expect(stored.startsWith('$scrypt$ln=10,r=8,p=1$')).toBe(true);
      expect(stored).toBe(await new InlinePasswordHasher({ secrets: seededSecrets(3), params: SMALL }).hash(PASSWORD));
      expect(await pool.verify(PASSWORD, stored)).toBe(true);
      expect(await pool.verify('wrong password here', stored)).toBe(false);
      expect(await pool.dummyVerify(PASSWORD)).toBe(false);
      const accounts = accountsWith(pool);
      await accounts.create(account('bo'));
      expect((await accounts.login('bo', PASSWORD, ADDRESS)).user.username).toBe('bo');
      expect((await refusal(accounts.login('ghost', PASSWORD, ADDRESS))).code).toBe('invalid_credentials');
    } finally {
      await pool.close();
    }
  });

  it('refuses a burst beyond its queue: PasswordHasherBusyError from the pool, hasher_busy from the accounts', async () => {
    const pool = new PoolPasswordHasher({ secrets: seededSecrets(4), params: SMALL, threads: 1, maxQueue: 1 });
    try {
      const direct = [pool.hash(PASSWORD), pool.hash(PASSWORD)];
      const overflow = await pool.hash(PASSWORD).then(() => undefined, (e: unknown) => e);
      expect(overflow).toBeInstanceOf(PasswordHasherBusyError);
      expect((overflow as PasswordHasherBusyError).code).toBe('ERR_PASSWORD_HASHER_BUSY');
      await Promise.all(direct);

      const accounts = accountsWith(pool);
      // Three logins begun at once (unknown users: each a dummy verify), from three addresses: two fit, one is refused.
      const logins = ['a', 'b', 'c'].map((name, i) => refusal(accounts.login(`ghost-${name}`, PASSWORD, `198.51.100.${i + 1}`)));
      const answers = await Promise.all(logins);
      expect(answers.map((a) => a.code)).toEqual(['invalid_credentials', 'invalid_credentials', 'hasher_busy']);
      expect(answers[2]?.retryAfterMs).toBeGreaterThan(0);
      // A refused login is no failure: it does not count toward the brake.
      expect((await refusal(accounts.login('ghost-c', PASSWORD, '198.51.100.3'))).code).toBe('invalid_credentials');
      expect(pool.inFlight).toBe(0);
    } finally {
      await pool.close();
    }
  });
});
