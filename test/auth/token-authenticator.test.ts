import { describe, expect, it } from 'vitest';
import { TokenAuthenticator } from '../../src/auth/token-authenticator.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { MemoryTokens } from '../http/memory-tokens.ts';

function setup(options: { cacheCapacity?: number; cacheTtlMs?: number } = {}) {
  const clock = new VirtualClock(1_000);
  const registry = new MemoryTokens();
  const auth = new TokenAuthenticator({ registry, clock, ...options });
  return { clock, registry, auth };
}

describe('TokenAuthenticator', () => {
  it('authenticates a Bearer token of each role, and nothing else', () => {
    const { auth } = setup();
    const admin = auth.create({ role: 'admin' });
    const machine = auth.create({ role: 'machine', machineId: 'gate-1' });
    expect(auth.authenticate(`Bearer ${admin.token}`)).toEqual({ tokenId: admin.id, role: 'admin' });
    expect(auth.authenticate(`bearer  ${machine.token}`)).toEqual({ tokenId: machine.id, role: 'machine', machineId: 'gate-1' });
    for (const header of [undefined, '', admin.token, `Basic ${admin.token}`, `Bearer ${admin.token}x`, 'Bearer', `Bearer tkd_${'B'.repeat(43)}`]) {
      expect(auth.authenticate(header)).toBeUndefined();
    }
  });

  it('trusts a cached session no longer than it lives, and forgets sessions ended elsewhere at once', () => {
    const { auth, registry, clock } = setup({ cacheTtlMs: 5_000 });
    const session = registry.createSession({ role: 'customer', customerId: 'c-1' }, 'usr_1', clock.now(), clock.now() + 2_000);
    const header = `Bearer ${session.token}`;
    expect(auth.authenticate(header)).toEqual({
      tokenId: session.id, role: 'customer', customerId: 'c-1', userId: 'usr_1', expiresAtMs: clock.now() + 2_000,
    });
    clock.advanceTo(clock.now() + 1_999);
    expect(auth.authenticate(header)?.tokenId).toBe(session.id);
    expect(registry.lookups).toBe(1);
    clock.advanceTo(clock.now() + 1);
    // The cache would trust it 3 s more; the session ended.
    expect(auth.authenticate(header)).toBeUndefined();
    expect(auth.isActive(session.id)).toBe(false);

    const other = registry.createSession({ role: 'admin' }, 'usr_2', clock.now());
    expect(auth.authenticate(`Bearer ${other.token}`)?.userId).toBe('usr_2');
    registry.revokeToken(other.id, clock.now());
    expect(auth.authenticate(`Bearer ${other.token}`)?.userId).toBe('usr_2'); // cached: revoked behind its back
    auth.forget([other.id]);
    expect(auth.authenticate(`Bearer ${other.token}`)).toBeUndefined();
  });

  it('answers repeated requests from its cache, and drops a token revoked through it at once', () => {
    const { auth, registry } = setup();
    const machine = auth.create({ role: 'machine', machineId: 'gate-1' });
    const header = `Bearer ${machine.token}`;
    for (let i = 0; i < 100; i++) expect(auth.authenticate(header)?.tokenId).toBe(machine.id);
    expect(registry.lookups).toBe(1);
    expect(auth.revoke(machine.id)).toBe('revoked');
    expect(auth.authenticate(header)).toBeUndefined();
    expect(auth.revoke(machine.id)).toBe('already_revoked');
    expect(auth.revoke('tok-nope')).toBe('unknown');
  });

  it('notices a revocation made elsewhere (the CLI) once the cache entry expires', () => {
    const { auth, registry, clock } = setup({ cacheTtlMs: 5_000 });
    const customer = auth.create({ role: 'customer', customerId: 'customer-1' });
    const header = `Bearer ${customer.token}`;
    expect(auth.authenticate(header)).toBeDefined();
    registry.revokeToken(customer.id, clock.now());
    clock.advanceTo(clock.now() + 4_999);
    expect(auth.authenticate(header)).toBeDefined();
    clock.advanceTo(clock.now() + 1);
    expect(auth.authenticate(header)).toBeUndefined();
  });

  it('holds at most cacheCapacity tokens and caches no unknown ones', () => {
    const { auth, registry } = setup({ cacheCapacity: 10 });
    const tokens = Array.from({ length: 50 }, (_, i) => auth.create({ role: 'machine', machineId: `gate-${i}` }));
    for (const t of tokens) auth.authenticate(`Bearer ${t.token}`);
    for (let i = 0; i < 100; i++) auth.authenticate(`Bearer tkd_${String(i).padStart(43, 'x')}`);
    expect(auth.cacheSize).toBe(10);
    const before = registry.lookups;
    auth.authenticate(`Bearer ${tokens[49]!.token}`);
    auth.authenticate(`Bearer ${tokens[0]!.token}`);
    expect(registry.lookups - before).toBe(1); // the newest was cached, the oldest was evicted
  });

  it('authenticateKnown answers from the cache and never looks up a token the cache has not held', () => {
    const { auth, registry } = setup({ cacheTtlMs: 5_000 });
    const machine = auth.create({ role: 'machine', machineId: 'gate-1' });
    const header = `Bearer ${machine.token}`;
    expect(auth.authenticateKnown(header)).toBeUndefined(); // valid, but not seen yet
    for (const bad of [undefined, 'Bearer nope', `Bearer tkd_${'Q'.repeat(43)}`]) expect(auth.authenticateKnown(bad)).toBeUndefined();
    expect(registry.lookups).toBe(0);
    expect(auth.authenticate(header)?.tokenId).toBe(machine.id);
    for (let i = 0; i < 10; i++) expect(auth.authenticateKnown(header)?.tokenId).toBe(machine.id);
    expect(registry.lookups).toBe(1);
  });

  it('authenticateKnown looks an expired entry up once, and forgets it when it was revoked elsewhere', () => {
    const { auth, registry, clock } = setup({ cacheTtlMs: 5_000 });
    const customer = auth.create({ role: 'customer', customerId: 'customer-1' });
    const header = `Bearer ${customer.token}`;
    auth.authenticate(header);
    clock.advanceTo(clock.now() + 5_000);
    expect(auth.authenticateKnown(header)?.tokenId).toBe(customer.id);
    expect(registry.lookups).toBe(2);
    registry.revokeToken(customer.id, clock.now());
    clock.advanceTo(clock.now() + 5_000);
    expect(auth.authenticateKnown(header)).toBeUndefined();
    expect(auth.authenticateKnown(header)).toBeUndefined();
    expect(registry.lookups).toBe(3);
  });

  it('lists through the registry, never with secrets', () => {
    const { auth } = setup();
    const created = auth.create({ role: 'admin' });
    expect(auth.list()).toEqual([{ id: created.id, role: 'admin', createdAt: new Date(1_000).toISOString() }]);
  });

  it('refuses options out of range', () => {
    const clock = new VirtualClock(0);
    const registry = new MemoryTokens();
    expect(() => new TokenAuthenticator({ registry, clock, cacheCapacity: 0 })).toThrow(/cacheCapacity/);
    expect(() => new TokenAuthenticator({ registry, clock, cacheTtlMs: -1 })).toThrow(/cacheTtlMs/);
  });
});
