/**
 * The package's version, for `ticketd --version` and the API document. package.json sits two levels above this
 * module both in src/platform and in dist/platform; the single executable carries none and knows its version itself.
 */
import { createRequire } from 'node:module';
import { bundledAssets } from './bundled-assets.ts';

/**
 * @example
 * packageVersion(); // '0.1.0'
 */
export function packageVersion(): string {
  const bundled = bundledAssets()?.version;
  if (bundled !== undefined) return bundled;
  const pkg: unknown = createRequire(import.meta.url)('../../package.json');
  const value = (pkg as { version?: unknown }).version;
  return typeof value === 'string' ? value : 'unknown';
}
