/**
 * The demo park's credentials file, written by `ticketd serve --demo` into its data directory:
 * `{ "admin": TOKEN, "machines": { ID: TOKEN }, "customers": { ID: TOKEN }, "signingKeys": { "gate-s1": PEM } }`.
 * The simulator sends each machine's taps with that machine's token and signs gate-s1's with its private key;
 * `ticketd subscribe` follows a customer's stream with that customer's token.
 */

import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export type SigningKeyResult = { ok: true; key: KeyObject } | { ok: false; problem: string };

/** The API tokens of a credentials file; any of them may be missing. */
export interface CredentialTokens {
  admin?: string;
  machines: Record<string, string>;
  customers: Record<string, string>;
}

export type CredentialTokensResult = { ok: true; tokens: CredentialTokens } | { ok: false; problem: string };

/** Credentials files are a few kilobytes; anything far larger is not one. */
const CREDENTIALS_BYTES_MAX = 1 << 20;

type JsonResult = { ok: true; json: Record<string, unknown> } | { ok: false; problem: string };

/**
 * Reads `machineId`'s Ed25519 private key from the credentials file at `path`. Every way this can fail (no file,
 * not JSON, no such key, not an Ed25519 private key) is an answer, not an exception.
 *
 * @example
 * const result = await loadSigningKey('./data/demo-credentials.json', 'gate-s1');
 * if (!result.ok) console.error(`no signed taps: ${result.problem}`);
 */
export async function loadSigningKey(path: string, machineId: string): Promise<SigningKeyResult> {
  const file = await readCredentialsJson(path);
  if (!file.ok) return file;
  const keys = file.json.signingKeys;
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

/**
 * Reads the API tokens of the credentials file at `path`: entries that are not strings are left out. Like
 * `loadSigningKey`, it answers a problem instead of throwing.
 *
 * @example
 * const result = await loadCredentialTokens('./data/demo-credentials.json');
 * if (result.ok) result.tokens.machines['gate-1']; // 'tkd_…'
 */
export async function loadCredentialTokens(path: string): Promise<CredentialTokensResult> {
  const file = await readCredentialsJson(path);
  if (!file.ok) return file;
  const { admin, machines, customers } = file.json;
  return {
    ok: true,
    tokens: {
      ...(typeof admin === 'string' && { admin }),
      machines: stringEntries(machines),
      customers: stringEntries(customers),
    },
  };
}

async function readCredentialsJson(path: string): Promise<JsonResult> {
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
  // Any JSON reads as an object here, so a missing part is reported as missing rather than as a bad file.
  return { ok: true, json: typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {} };
}

function stringEntries(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const entries = Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return Object.fromEntries(entries);
}
