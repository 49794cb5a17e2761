/**
 * The demo park's credentials file, written by `ticketd serve --demo` into its data directory:
 * `{ "signingKeys": { "gate-s1": "<PKCS#8 PEM>" }, … }`. The simulator needs gate-s1's private key to sign taps.
 */

import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export type SigningKeyResult = { ok: true; key: KeyObject } | { ok: false; problem: string };

/** Credentials files are a few kilobytes; anything far larger is not one. */
const CREDENTIALS_BYTES_MAX = 1 << 20;

/**
 * Reads `machineId`'s Ed25519 private key from the credentials file at `path`. Every way this can fail (no file,
 * not JSON, no such key, not an Ed25519 private key) is an answer, not an exception.
 *
 * @example
 * const result = await loadSigningKey('./data/demo-credentials.json', 'gate-s1');
 * if (!result.ok) console.error(`no signed taps: ${result.problem}`);
 */
export async function loadSigningKey(path: string, machineId: string): Promise<SigningKeyResult> {
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > CREDENTIALS_BYTES_MAX) return { ok: false, problem: `${path} is larger than 1 MiB` };
    text = bytes.toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path}: ${String(error)}`;
    return { ok: false, problem };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: `${path} is not JSON` };
  }
  const keys = (json as { signingKeys?: unknown } | null)?.signingKeys;
  const pem = typeof keys === 'object' && keys !== null ? (keys as Record<string, unknown>)[machineId] : undefined;
  if (typeof pem !== 'string') return { ok: false, problem: `${path} has no signingKeys.${machineId}` };
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') {
      return { ok: false, problem: `signingKeys.${machineId} in ${path} is not an Ed25519 private key` };
    }
    return { ok: true, key };
  } catch {
    return { ok: false, problem: `signingKeys.${machineId} in ${path} is not a private key in PEM` };
  }
}
