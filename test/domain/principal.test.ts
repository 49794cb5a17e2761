import { describe, expect, it } from 'vitest';
import { parseTokenScope } from '../../src/domain/principal.ts';
import { bearerSecret, hashTokenSecret, isTokenSecret, newTokenSecret } from '../../src/domain/token-secret.ts';

describe('token scopes', () => {
  it.each([
    [{ role: 'admin' }, { role: 'admin' }],
    [{ role: 'machine', machineId: 'gate-1' }, { role: 'machine', machineId: 'gate-1' }],
    [{ role: 'customer', customerId: 'customer-1' }, { role: 'customer', customerId: 'customer-1' }],
  ])('accepts %j', (body, scope) => {
    expect(parseTokenScope(body)).toEqual({ ok: true, value: scope });
  });

  it.each([
    [null, 'invalid_body', ''],
    [{}, 'invalid_field', 'role'],
    [{ role: 'root' }, 'invalid_field', 'role'],
    [{ role: 'machine' }, 'invalid_field', 'machineId'],
    [{ role: 'machine', machineId: 'gate-1', customerId: 'c' }, 'invalid_field', 'customerId'],
    [{ role: 'admin', machineId: 'gate-1' }, 'invalid_field', 'machineId'],
    [{ role: 'customer', customerId: 'a b' }, 'invalid_field', 'customerId'],
    [{ role: 'admin', extra: 1 }, 'unknown_field', 'extra'],
  ])('refuses %j with %s at %s', (body, code, path) => {
    const result = parseTokenScope(body);
    expect(result.ok ? undefined : [result.error.code, result.error.path]).toEqual([code, path]);
  });
});

describe('token secrets', () => {
  it('are tkd_ and 32 bytes in base64url; only the hash is a stable function of them', () => {
    const secret = newTokenSecret({ bytes: (n) => Buffer.alloc(n, 0xfb) });
    expect(secret).toBe(`tkd_${Buffer.alloc(32, 0xfb).toString('base64url')}`);
    expect(isTokenSecret(secret)).toBe(true);
    expect(hashTokenSecret(secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(() => newTokenSecret({ bytes: () => Buffer.alloc(8) })).toThrow(/32/);
  });

  it('are read from a Bearer header only', () => {
    const secret = `tkd_${'a'.repeat(43)}`;
    expect(bearerSecret(`Bearer ${secret}`)).toBe(secret);
    expect(bearerSecret(`BEARER ${secret} `)).toBe(secret);
    for (const header of [undefined, secret, `Token ${secret}`, `Bearer ${secret} extra`, `Bearer ${'x'.repeat(300)}`]) {
      expect(bearerSecret(header)).toBeUndefined();
    }
  });
});
