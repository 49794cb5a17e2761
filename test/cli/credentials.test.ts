import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSigningKey } from '../../src/cli/credentials.ts';

const dir = mkdtempSync(join(tmpdir(), 'ticketd-credentials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('loadSigningKey', () => {
  it('reads an Ed25519 private key', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const path = file('ok.json', JSON.stringify({ signingKeys: { 'gate-s1': pem }, other: 1 }));
    const result = await loadSigningKey(path, 'gate-s1');
    expect(result.ok && result.key.asymmetricKeyType).toBe('ed25519');
  });

  it.each([
    ['missing', () => join(dir, 'nope.json'), /does not exist/],
    ['not JSON', () => file('bad.json', '{'), /is not JSON/],
    ['no key', () => file('nokey.json', '{"signingKeys":{}}'), /has no signingKeys\.gate-s1/],
    ['null', () => file('null.json', 'null'), /has no signingKeys\.gate-s1/],
    ['not PEM', () => file('notpem.json', '{"signingKeys":{"gate-s1":"hello"}}'), /is not a private key in PEM/],
    ['not Ed25519', () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      return file('ec.json', JSON.stringify({ signingKeys: { 'gate-s1': pem } }));
    }, /is not an Ed25519 private key/],
  ])('answers a problem, never throws, when %s', async (_name, path, problem) => {
    const result = await loadSigningKey(path(), 'gate-s1');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problem).toMatch(problem);
  });
});
