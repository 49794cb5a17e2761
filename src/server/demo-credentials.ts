/**
 * `<data-dir>/demo-credentials.json`, written by `ticketd serve --demo`: every secret the demo park's clients need.
 *
 *   { "admin": TOKEN, "machines": { ID: TOKEN }, "customers": { ID: TOKEN }, "signingKeys": { "gate-s1": PEM } }
 *
 * Created once, readable by its owner only. On a later start each token in it is checked against the database: the
 * ones that still work are kept, the others (revoked, or from another database) are replaced by new ones, and the
 * file is rewritten only when something changed.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CreatedToken, Principal, TokenScope } from '../domain/principal.ts';

export const DEMO_CREDENTIALS_FILE = 'demo-credentials.json';
const FILE_MODE = 0o600;

/** What `--demo` writes next to the database. */
export interface DemoCredentials {
  admin: string;
  machines: Record<string, string>;
  customers: Record<string, string>;
  signingKeys: Record<string, string>;
}

/** The part of the store the credentials need. */
export interface DemoTokenStore {
  findToken(secret: string, nowMs: number): Principal | undefined;
  createToken(scope: TokenScope, nowMs: number): CreatedToken;
}

export interface DemoCredentialsOptions {
  dataDir: string;
  tokens: DemoTokenStore;
  /** The demo park's machines and customers: each gets a token. */
  machineIds: readonly string[];
  customerIds: readonly string[];
  nowMs: number;
}

export interface LoadedDemoCredentials {
  credentials: DemoCredentials;
  file: string;
  /** gate-s1's public key (PEM, SPKI), for the catalog. */
  publicKeyPem: string;
  /** Tokens made on this call (all of them the first time, none when the file was still good). */
  minted: number;
}

/**
 * Loads the credentials file, minting what is missing or no longer valid.
 *
 * @example
 * const { credentials, file } = loadOrCreateDemoCredentials({ dataDir, tokens: store, machineIds, customerIds, nowMs });
 */
export function loadOrCreateDemoCredentials(options: DemoCredentialsOptions): LoadedDemoCredentials {
  const file = path.join(options.dataDir, DEMO_CREDENTIALS_FILE);
  const old = readCredentials(file);
  let minted = 0;
  const valid = (secret: unknown, scope: TokenScope): secret is string =>
    typeof secret === 'string' && sameScope(options.tokens.findToken(secret, options.nowMs), scope);
  const token = (secret: unknown, scope: TokenScope): string => {
    if (valid(secret, scope)) return secret;
    minted++;
    return options.tokens.createToken(scope, options.nowMs).token;
  };
  const oldKey = old?.signingKeys?.['gate-s1'];
  const signingKey = isEd25519PrivateKey(oldKey) ? oldKey : newSigningKey();
  const credentials: DemoCredentials = {
    admin: token(old?.admin, { role: 'admin' }),
    machines: Object.fromEntries(options.machineIds.map((machineId) => {
      return [machineId, token(old?.machines?.[machineId], { role: 'machine', machineId })];
    })),
    customers: Object.fromEntries(options.customerIds.map((customerId) => {
      return [customerId, token(old?.customers?.[customerId], { role: 'customer', customerId })];
    })),
    signingKeys: { ...old?.signingKeys, 'gate-s1': signingKey },
  };
  if (minted > 0 || signingKey !== oldKey) writeCredentials(file, credentials);
  const publicKeyPem = createPublicKey(createPrivateKey(signingKey)).export({ type: 'spki', format: 'pem' }).toString();
  return { credentials, file, publicKeyPem, minted };
}

type StoredCredentials = Partial<{
  admin: unknown;
  machines: Record<string, unknown>;
  customers: Record<string, unknown>;
  signingKeys: Record<string, string>;
}>;

/** The old file's content, or `undefined` when there is none or it is not a JSON object. */
function readCredentials(file: string): StoredCredentials | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? json : undefined;
  } catch {
    return undefined;
  }
}

/** Written beside and renamed over the old file, so a crash never leaves half a file; owner-only from the start. */
function writeCredentials(file: string, credentials: DemoCredentials): void {
  const temporary = `${file}.tmp`;
  fs.rmSync(temporary, { force: true });
  fs.writeFileSync(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: FILE_MODE, flag: 'wx' });
  fs.renameSync(temporary, file);
}

function sameScope(principal: Principal | undefined, scope: TokenScope): boolean {
  if (principal === undefined || principal.role !== scope.role) return false;
  if (principal.role === 'machine' && scope.role === 'machine') return principal.machineId === scope.machineId;
  if (principal.role === 'customer' && scope.role === 'customer') return principal.customerId === scope.customerId;
  return true;
}

function isEd25519PrivateKey(pem: unknown): pem is string {
  if (typeof pem !== 'string') return false;
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}

function newSigningKey(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
