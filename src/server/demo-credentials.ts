import { generateKeyPairSync, createPrivateKey, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const DEMO_CREDENTIALS_FILE = 'demo-credentials.json';

/** What `--demo` writes next to the database: the secrets the simulator and the customer app need. */
export interface DemoCredentials {
  signingKeys: Record<string, string>;
}

/**
 * Loads `<dataDir>/demo-credentials.json`, or creates it with a fresh Ed25519 key for `gate-s1`. The file is
 * readable by its owner only. Returns the credentials, the file's path and gate-s1's public key (PEM).
 *
 * @example
 * const { publicKeyPem, file } = loadOrCreateDemoCredentials('./data');
 */
export function loadOrCreateDemoCredentials(dataDir: string): { credentials: DemoCredentials; file: string; publicKeyPem: string } {
  const file = path.join(dataDir, DEMO_CREDENTIALS_FILE);
  let credentials: DemoCredentials | undefined;
  if (fs.existsSync(file)) {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<DemoCredentials>;
    if (typeof parsed.signingKeys?.['gate-s1'] === 'string') credentials = { ...parsed, signingKeys: parsed.signingKeys };
  }
  if (credentials === undefined) {
    const { privateKey } = generateKeyPairSync('ed25519');
    credentials = { signingKeys: { 'gate-s1': privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } };
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  }
  const publicKeyPem = createPublicKey(createPrivateKey(credentials.signingKeys['gate-s1']!))
    .export({ type: 'spki', format: 'pem' })
    .toString();
  return { credentials, file, publicKeyPem };
}
