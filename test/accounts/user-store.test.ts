/**
 * The accounts in the store (store/users.ts): finding a person by username or email in any case, uniqueness, the
 * admin's list, updates that end sessions, sessions that end on their own, and erasing a person while the customer's
 * money history stays exact. Every change is one `user.*` event with the next version, naming no one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BookingWriter } from '../../src/store/bookings.ts';
import type { NewUser, User } from '../../src/store/users.ts';
import { TicketStore } from '../../src/store/index.ts';
import { codeOf, counterIds, makeHarness, makeTap, ok, T0, type Harness } from '../store/helpers.ts';
import { rawRows, seededSecrets, userEvents } from './helpers.ts';

const HOUR_MS = 3_600_000;

let h: Harness;
beforeEach(() => {
  h = makeHarness();
  // Seeded secrets: the session tokens are the same every run.
  h.store.close();
  h.store = TicketStore.open({ dataDir: h.dir, ids: counterIds(), secrets: seededSecrets(11) });
});
afterEach(() => h.cleanup());

function staff(username: string, role: 'admin' | 'manager' = 'admin', extra: Partial<NewUser> = {}): NewUser {
  return { username, email: `${username}@example.com`, displayName: `Staff ${username}`, role, passwordHash: `hash-of-${username}`, ...extra };
}

function person(username: string, customerId: string, extra: Partial<NewUser> = {}): NewUser {
  h.store.upsertCustomer(customerId, { name: `Customer of ${username}`, tier: 'standard', balance: 1_000 }, T0);
  return { username, email: `${username}@example.com`, displayName: `Person ${username}`, role: 'user', customerId, passwordHash: `hash-of-${username}`, ...extra };
}

describe('creating and finding accounts', () => {
  it('finds an account by its username in any case and by its email in any case', () => {
    const ada = h.store.users.create(staff('Ada', 'admin', { email: 'Ada.Lovelace@Example.COM' }), T0);
    expect(ada).toMatchObject({ username: 'Ada', email: 'Ada.Lovelace@Example.COM', role: 'admin', version: 1 });
    expect(ada.customerId).toBeUndefined();
    for (const login of ['Ada', 'ada', 'ADA', 'ada.lovelace@example.com', 'ADA.LOVELACE@EXAMPLE.COM', 'Ada.Lovelace@Example.COM']) {
      const found = h.store.users.findForLogin(login);
      expect(found?.id, login).toBe(ada.id);
      expect(found?.passwordHash).toBe('hash-of-Ada');
    }
    expect(h.store.users.findForLogin('adam')).toBeUndefined();
    expect(h.store.users.findForLogin('ada@example.com')).toBeUndefined();
    expect(h.store.users.get(ada.id)).toEqual(ada);
    expect(h.store.users.get('usr_404')).toBeUndefined();
  });

  it("links a user account to its customer, and finds the account by the customer", () => {
    const bo = h.store.users.create(person('bo', 'cus-bo'), T0);
    expect(bo.customerId).toBe('cus-bo');
    expect(h.store.users.ofCustomer('cus-bo')?.id).toBe(bo.id);
    expect(h.store.users.ofCustomer('cus-nobody')).toBeUndefined();
  });

  it('refuses a username or email another account has, in any case, and a user account without a customer', () => {
    const ada = h.store.users.create(staff('ada'), T0);
    const bo = h.store.users.create(staff('bo', 'manager'), T0);
    expect(codeOf(() => h.store.users.create(staff('ADA', 'admin', { email: 'other@example.com' }), T0))).toBe('ERR_USERNAME_TAKEN');
    expect(codeOf(() => h.store.users.create(staff('ada2', 'admin', { email: 'ADA@EXAMPLE.COM' }), T0))).toBe('ERR_EMAIL_TAKEN');
    expect(codeOf(() => h.store.users.update(bo.id, { email: 'Ada@example.com' }, T0))).toBe('ERR_EMAIL_TAKEN');
    // Its own email in another case is not taken by anyone else.
    expect(h.store.users.update(ada.id, { email: 'ADA@example.com' }, T0)?.user.email).toBe('ADA@example.com');
    expect(codeOf(() => h.store.users.create({ ...staff('cy'), role: 'user' }, T0))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => h.store.users.create({ ...staff('cy'), customerId: 'c1' }, T0))).toBe('ERR_INVALID_ARGUMENT');
    expect(h.store.users.list({ limit: 10 }).users.map((u) => u.username)).toEqual(['ada', 'bo']);
  });
});

describe('listing accounts', () => {
  it('filters by role and by text in username, email or display name, any case', () => {
    h.store.users.create(staff('ada'), T0);
    h.store.users.create(staff('bo', 'manager'), T0);
    h.store.users.create(staff('cy', 'manager', { displayName: 'Cyrus the Great' }), T0);
    h.store.users.create(person('dee', 'cus-dee', { email: 'dee@great.example' }), T0);
    const names = (page: { users: User[] }) => page.users.map((u) => u.username);
    expect(names(h.store.users.list({ role: 'manager', limit: 10 }))).toEqual(['bo', 'cy']);
    expect(names(h.store.users.list({ role: 'user', limit: 10 }))).toEqual(['dee']);
    expect(names(h.store.users.list({ q: 'GREAT', limit: 10 }))).toEqual(['cy', 'dee']);
    expect(names(h.store.users.list({ q: 'great', role: 'manager', limit: 10 }))).toEqual(['cy']);
    expect(names(h.store.users.list({ q: '', limit: 10 }))).toEqual(['ada', 'bo', 'cy', 'dee']);
  });

  it("takes '%' and '_' in q literally", () => {
    h.store.users.create(staff('a_b', 'admin', { displayName: '50% off' }), T0);
    h.store.users.create(staff('axb', 'admin', { displayName: '500 off' }), T0);
    h.store.users.create(staff('back', 'admin', { displayName: 'Back\\slash' }), T0);
    const names = (q: string) => h.store.users.list({ q, limit: 10 }).users.map((u) => u.username);
    expect(names('a_b')).toEqual(['a_b']);
    expect(names('_')).toEqual(['a_b']);
    expect(names('50%')).toEqual(['a_b']);
    expect(names('%')).toEqual(['a_b']);
    expect(names('\\')).toEqual(['back']);
    expect(names('0 off')).toEqual(['axb']);
  });

  it('pages by cursor through every account once, oldest first', () => {
    const made = ['u1', 'u2', 'u3', 'u4', 'u5'].map((name) => h.store.users.create(staff(name, name === 'u3' ? 'manager' : 'admin'), T0).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = h.store.users.list({ limit: 2, ...(cursor !== undefined && { cursor }) });
      seen.push(...answer.users.map((u) => u.id));
      cursor = answer.nextCursor;
      if (cursor === undefined) break;
    }
    expect(seen).toEqual(made);
    const admins = h.store.users.list({ role: 'admin', limit: 3 });
    expect(admins.users.map((u) => u.username)).toEqual(['u1', 'u2', 'u4']);
    const rest = h.store.users.list({ role: 'admin', limit: 3, cursor: admins.nextCursor! });
    expect(rest.users.map((u) => u.username)).toEqual(['u5']);
    expect(rest.nextCursor).toBeUndefined();
    expect(codeOf(() => h.store.users.list({ limit: 0 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => h.store.users.list({ limit: 2, cursor: 'forged' }))).toBe('ERR_INVALID_CURSOR');
  });
});

describe('updates and sessions', () => {
  it('bumps the version on a change; a display name or email change keeps the sessions', () => {
    const ada = h.store.users.create(staff('ada'), T0);
    const session = h.store.users.createSession(ada, T0, HOUR_MS);
    const renamed = h.store.users.update(ada.id, { displayName: 'Ada King', email: 'king@example.com' }, T0 + 5);
    expect(renamed?.user).toMatchObject({ displayName: 'Ada King', email: 'king@example.com', version: 2, updatedAt: new Date(T0 + 5).toISOString() });
    expect(renamed?.revokedTokens).toEqual([]);
    expect(h.store.findToken(session.token, T0 + 5)?.tokenId).toBe(session.id);
    // Nothing changed: no new version, no event.
    expect(h.store.users.update(ada.id, { displayName: 'Ada King' }, T0 + 6)?.user.version).toBe(2);
    expect(userEvents(h.dir, ada.id)).toHaveLength(2);
    expect(h.store.users.update('usr_404', { displayName: 'x' }, T0)).toBeUndefined();
  });

  it.each([
    ['a new password', { passwordHash: 'another-hash' }],
    ['a new role', { role: 'manager' as const }],
    ['disabling', { disabled: true }],
  ])('%s revokes every live session of the account and names them', (_, changes) => {
    const ada = h.store.users.create(staff('ada'), T0);
    const other = h.store.users.create(staff('bo'), T0);
    const first = h.store.users.createSession(ada, T0, HOUR_MS);
    const second = h.store.users.createSession(ada, T0 + 1, HOUR_MS);
    const others = h.store.users.createSession(other, T0, HOUR_MS);
    expect(h.store.findToken(first.token, T0 + 2)).toMatchObject({ tokenId: first.id, role: 'admin', userId: ada.id, expiresAtMs: T0 + HOUR_MS });
    const result = h.store.users.update(ada.id, changes, T0 + 10);
    expect(result?.revokedTokens.sort()).toEqual([first.id, second.id].sort());
    expect(result?.user.version).toBe(2);
    for (const s of [first, second]) {
      expect(h.store.findToken(s.token, T0 + 10)).toBeUndefined();
      expect(h.store.tokenActive(s.id, T0 + 10)).toBe(false);
    }
    expect(h.store.findToken(others.token, T0 + 10)?.userId).toBe(other.id);
    // A second update revokes nothing more.
    expect(h.store.users.update(ada.id, { displayName: 'Ada again' }, T0 + 11)?.revokedTokens).toEqual([]);
  });

  it('keeps a disabled account disabled from its first disabling, and enabling it again revokes nothing', () => {
    const ada = h.store.users.create(staff('ada'), T0);
    const disabled = h.store.users.update(ada.id, { disabled: true }, T0 + 10)!.user;
    expect(disabled.disabledAt).toBe(new Date(T0 + 10).toISOString());
    // Disabling again changes nothing (same moment kept, same version).
    expect(h.store.users.update(ada.id, { disabled: true }, T0 + 20)!.user).toEqual(disabled);
    const session = h.store.users.createSession(ada, T0 + 30, HOUR_MS);
    const enabled = h.store.users.update(ada.id, { disabled: false }, T0 + 40)!;
    expect(enabled.user.disabledAt).toBeUndefined();
    expect(enabled.revokedTokens).toEqual([]);
    expect(h.store.tokenActive(session.id, T0 + 40)).toBe(true);
  });

  it('refuses a role for a user account: it owns a customer', () => {
    const bo = h.store.users.create(person('bo', 'cus-bo'), T0);
    expect(codeOf(() => h.store.users.update(bo.id, { role: 'admin' }, T0))).toBe('ERR_INVALID_ARGUMENT');
    expect(h.store.users.get(bo.id)?.role).toBe('user');
  });

  it("ends a session at its expiry: findToken undefined and tokenActive false from expiresAt on", () => {
    const bo = h.store.users.create(person('bo', 'cus-bo'), T0);
    const session = h.store.users.createSession(bo, T0, 12 * HOUR_MS);
    expect(session.expiresAtMs).toBe(T0 + 12 * HOUR_MS);
    const before = h.store.findToken(session.token, session.expiresAtMs - 1);
    expect(before).toMatchObject({ role: 'customer', customerId: 'cus-bo', userId: bo.id, expiresAtMs: session.expiresAtMs });
    expect(h.store.tokenActive(session.id, session.expiresAtMs - 1)).toBe(true);
    expect(h.store.findToken(session.token, session.expiresAtMs)).toBeUndefined();
    expect(h.store.tokenActive(session.id, session.expiresAtMs)).toBe(false);
    expect(h.store.findToken(session.token, session.expiresAtMs + HOUR_MS)).toBeUndefined();
    // The token list shows the session's user and end.
    expect(h.store.listTokens().find((t) => t.id === session.id)).toMatchObject({ userId: bo.id, expiresAt: new Date(session.expiresAtMs).toISOString() });
  });
});

describe('erasing a person', () => {
  const booking = (w: BookingWriter, id: string, customerId: string) =>
    w.insertBooking({ id, customerId, showId: 's1', items: [{ categoryId: 'ga', quantity: 1, unitPrice: 100, amount: 100 }], total: 100, currency: 'EUR', holdExpiresAtMs: T0 + 1_000 });

  /** What of a customer's money history the tests compare: every row of its events and bookings. */
  function history(customerId: string) {
    return rawRows(h.dir, (db) => ({
      events: db.prepare('SELECT * FROM events WHERE customer_id = ? ORDER BY id').all(customerId),
      eventTotals: db.prepare('SELECT count(*) AS n, sum(amount) AS total FROM events WHERE customer_id = ?').get(customerId),
      bookings: db.prepare('SELECT * FROM bookings WHERE customer_id = ? ORDER BY id').all(customerId),
      bookingTotals: db.prepare('SELECT count(*) AS n, sum(total) AS total FROM bookings WHERE customer_id = ?').get(customerId),
    }));
  }

  it("erases name, email, display name and password, and the customer's name, keeping wallet, ledger and bookings exact", () => {
    const bo = h.store.users.create(person('bo', 'c1'), T0);
    h.store.topUp('c1', 'tu-1', 2_500, T0 + 1);
    h.store.commitOutcomes([ok(makeTap('t1', 'c1'), 300), ok(makeTap('t2', 'c1'), 450)], T0 + 2);
    const { written } = h.store.commitGroup([], [(w) => {
      const after = w.debitWallet('c1', 100)!;
      w.notify('c1', 'b1', { type: 'booking.held', data: booking(w, 'b1', 'c1') }, -100, after);
      return after;
    }], T0 + 3);
    expect(written[0]?.ok).toBe(true);
    const session = h.store.users.createSession(bo, T0 + 4, HOUR_MS);
    const balance = h.store.getCustomer('c1')!.balance;
    expect(balance).toBe(1_000 + 2_500 - 300 - 450 - 100);
    const audit = h.store.auditBalances();
    const before = history('c1');
    expect((before.eventTotals as { n: number }).n).toBeGreaterThanOrEqual(5);
    expect((before.bookingTotals as { n: number }).n).toBe(1);

    const erased = h.store.users.erase(bo.id, T0 + 10);
    expect(erased?.revokedTokens).toEqual([session.id]);
    expect(h.store.findToken(session.token, T0 + 10)).toBeUndefined();
    expect(h.store.users.get(bo.id)).toBeUndefined();
    expect(h.store.users.findForLogin('bo')).toBeUndefined();
    expect(h.store.users.findForLogin('bo@example.com')).toBeUndefined();
    expect(h.store.users.ofCustomer('c1')).toBeUndefined();
    expect(h.store.users.list({ limit: 10 }).users).toEqual([]);
    expect(h.store.users.erase(bo.id, T0 + 11)).toBeUndefined();

    const row = rawRows(h.dir, (db) => db.prepare('SELECT * FROM users WHERE id = ?').get(bo.id)) as Record<string, unknown>;
    expect(row).toMatchObject({
      id: bo.id, username: null, email: null, display_name: null, password_hash: null, customer_id: 'c1', role: 'user',
      deleted_at: T0 + 10, version: 2,
    });
    const customer = h.store.getCustomer('c1')!;
    expect(customer.name).not.toContain('bo');
    expect(customer.name).toBe('(erased)');
    expect(customer.balance).toBe(balance);
    expect(h.store.auditBalances()).toEqual(audit);
    expect(history('c1')).toEqual(before);
    expect(h.store.bookings.get('b1')?.status).toBe('held');
  });

  it('frees the username and the email for a new account', () => {
    const bo = h.store.users.create(person('bo', 'c1'), T0);
    h.store.users.erase(bo.id, T0 + 1);
    const again = h.store.users.create(person('BO', 'c2', { email: 'Bo@Example.com' }), T0 + 2);
    expect(again.id).not.toBe(bo.id);
    expect(h.store.users.findForLogin('bo')?.id).toBe(again.id);
    expect(h.store.users.findForLogin('bo@example.com')?.id).toBe(again.id);
  });
});

describe('the user events', () => {
  it('appends exactly one user.* event per change, versions 1..n, naming no one', () => {
    const bo = h.store.users.create(person('bo', 'c1', { displayName: 'Bo Secretname', email: 'bo.private@mail.example' }), T0);
    const ada = h.store.users.create(staff('ada', 'admin', { displayName: 'Ada Hiddenname' }), T0);
    const changes = [
      { displayName: 'Bo Othername' }, { email: 'bo.new@mail.example' }, { passwordHash: 'h2' }, { disabled: true }, { disabled: false },
    ];
    for (const [i, change] of changes.entries()) h.store.users.update(bo.id, change, T0 + 1 + i);
    h.store.users.update(bo.id, { displayName: 'Bo Othername' }, T0 + 50); // no change, no event
    h.store.users.createSession(bo, T0 + 60, HOUR_MS); // a session is no change of the account
    h.store.users.erase(bo.id, T0 + 70);

    const events = userEvents(h.dir, bo.id);
    expect(events.map((e) => e.type)).toEqual(['user.created', ...changes.map(() => 'user.updated'), 'user.deleted']);
    expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(events.every((e) => e.customer_id === null && e.amount === 0)).toBe(true);
    const data = events.map((e) => JSON.parse(e.data ?? 'null') as Record<string, unknown>);
    expect(data.map((d) => d.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(data[0]).toEqual({ userId: bo.id, version: 1, role: 'user', customerId: 'c1' });
    expect(data.slice(1, 6).map((d) => d.changed)).toEqual([['displayName'], ['email'], ['password'], ['disabled'], ['disabled']]);
    const allText = rawRows(h.dir, (db) => JSON.stringify(db.prepare("SELECT * FROM events WHERE aggregate_type = 'user'").all()));
    for (const secret of ['Secretname', 'Othername', 'Hiddenname', 'bo.private', 'bo.new', 'mail.example', 'example.com', 'h2', 'hash-of']) {
      expect(allText, secret).not.toContain(secret);
    }
    expect(userEvents(h.dir, ada.id).map((e) => [e.type, e.version])).toEqual([['user.created', 1]]);
  });

  it('are in the domain event feed as the user aggregate, correlated by the request that made each change', () => {
    const bo = h.store.users.create(person('bo', 'c1'), T0, { requestId: 'req-create' });
    h.store.users.update(bo.id, { displayName: 'Bo B' }, T0 + 1, { requestId: 'req-rename' });
    h.store.users.erase(bo.id, T0 + 2, { requestId: 'req-erase' });
    const { events } = h.store.feed.page({ aggregateType: 'user', limit: 10 });
    expect(events.map(({ type, aggregateType, aggregateId, version, correlationId, causationId }) => ({
      type, aggregateType, aggregateId, version, correlationId, causationId,
    }))).toEqual([
      { type: 'user.created', aggregateType: 'user', aggregateId: bo.id, version: 1, correlationId: 'req-create', causationId: 'req-create' },
      { type: 'user.updated', aggregateType: 'user', aggregateId: bo.id, version: 2, correlationId: 'req-rename', causationId: 'req-rename' },
      { type: 'user.deleted', aggregateType: 'user', aggregateId: bo.id, version: 3, correlationId: 'req-erase', causationId: 'req-erase' },
    ]);
    expect(events[1]!.data).toEqual({ userId: bo.id, version: 2, changed: ['displayName'] });
    // The customer opened for bo is its own aggregate, at version 1.
    expect(h.store.feed.page({ aggregateType: 'customer', limit: 10 }).events.map((e) => [e.type, e.aggregateId, e.version]))
      .toEqual([['customer.opened', 'c1', 1]]);
  });
});
