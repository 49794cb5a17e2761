/**
 * The single executable's table of contents, written by `npm run package` (scripts/package-sea.ts) as its
 * `manifest.json` asset: the version it was built from, a hash of everything it carries, which carried files go
 * into the cache directory and which of them is the code to run.
 */

export interface SeaManifest {
  version: string;
  /** Hex, the first 16 digits of a SHA-256 over every carried file's name and bytes: names the cache directory. */
  hash: string;
  /** The carried files, by asset name, that are written to the cache directory. */
  files: string[];
  /** Which of `files` the entry requires (src/single-executable/app-entry.ts, bundled). */
  appFile: string;
}

export const MANIFEST_ASSET = 'manifest.json';
/** better-sqlite3's addon, as the build names the asset. */
export const SQLITE_ADDON_ASSET = 'better_sqlite3.node';

/**
 * Reads a manifest, checking every field, so that a broken build stops with a message instead of a TypeError.
 *
 * @example
 * const manifest = parseManifest(sea.getAsset(MANIFEST_ASSET, 'utf8'));
 */
export function parseManifest(text: string): SeaManifest {
  const value = JSON.parse(text) as Partial<Record<keyof SeaManifest, unknown>>;
  const { version, hash, files, appFile } = value;
  if (typeof version !== 'string' || version === '') throw new TypeError('manifest: version must be a non-empty string');
  if (typeof hash !== 'string' || !/^[0-9a-f]{16}$/.test(hash)) throw new TypeError('manifest: hash must be 16 hex digits');
  if (!Array.isArray(files) || !files.every((file): file is string => typeof file === 'string')) {
    throw new TypeError('manifest: files must be a list of names');
  }
  if (typeof appFile !== 'string' || !files.includes(appFile)) throw new TypeError('manifest: appFile must be one of files');
  return { version, hash, files, appFile };
}
