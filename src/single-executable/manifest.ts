/**
 * The single executable's table of contents, written by `npm run package` (scripts/package-sea.ts) as its
 * `manifest.json` asset: the version it was built from, a hash of the files it extracts, which carried files go
 * into the cache directory, which of them is the code to run, and the web pages' files it serves from its assets.
 */

export interface SeaManifest {
  version: string;
  /** Hex, the first 16 digits of a SHA-256 over every file of `files`, name and bytes: names the cache directory. */
  hash: string;
  /** The carried files, by asset name, that are written to the cache directory. */
  files: string[];
  /** Which of `files` the entry requires (src/single-executable/app-entry.ts, bundled). */
  appFile: string;
  /**
   * The web pages' built files (dist/web), by path inside the build (`app/index.html`, `assets/app-1a2b3c.js`),
   * each carried as the asset `webAssetName(path)` and read from there, never extracted: they are data, not code.
   */
  webFiles: string[];
}

export const MANIFEST_ASSET = 'manifest.json';
/** better-sqlite3's addon, as the build names the asset. */
export const SQLITE_ADDON_ASSET = 'better_sqlite3.node';
/** Most web files a manifest may list; a build of the two pages makes fewer than ten. */
export const WEB_FILES_MAX = 256;
/** A relative path of plain names, none starting with a dot: no `..`, no hidden file, no leading `/`. */
const WEB_FILE = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}\/){0,7}[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

/**
 * The asset name under which the executable carries a web file.
 *
 * @example
 * webAssetName('app/index.html'); // 'web/app/index.html'
 */
export function webAssetName(relative: string): string {
  return `web/${relative}`;
}

/**
 * Reads a manifest, checking every field, so that a broken build stops with a message instead of a TypeError.
 *
 * @example
 * const manifest = parseManifest(sea.getAsset(MANIFEST_ASSET, 'utf8'));
 */
export function parseManifest(text: string): SeaManifest {
  const value = JSON.parse(text) as Partial<Record<keyof SeaManifest, unknown>>;
  const { version, hash, files, appFile, webFiles } = value;
  if (typeof version !== 'string' || version === '') throw new TypeError('manifest: version must be a non-empty string');
  if (typeof hash !== 'string' || !/^[0-9a-f]{16}$/.test(hash)) throw new TypeError('manifest: hash must be 16 hex digits');
  if (!Array.isArray(files) || !files.every((file): file is string => typeof file === 'string')) {
    throw new TypeError('manifest: files must be a list of names');
  }
  if (typeof appFile !== 'string' || !files.includes(appFile)) throw new TypeError('manifest: appFile must be one of files');
  if (!Array.isArray(webFiles)) throw new TypeError('manifest: webFiles must be a list of paths');
  if (webFiles.length > WEB_FILES_MAX) throw new TypeError(`manifest: webFiles lists ${webFiles.length} files, more than ${WEB_FILES_MAX}`);
  if (!webFiles.every((file): file is string => typeof file === 'string' && WEB_FILE.test(file))) {
    throw new TypeError('manifest: webFiles must be relative paths of plain names (no "..", no leading "/" or ".")');
  }
  return { version, hash, files, appFile, webFiles };
}
