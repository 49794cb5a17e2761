/**
 * Where the single executable puts the files it carries (its code, the worker files, better-sqlite3's addon) so
 * that Node can load them: a directory per build, this user's own, each file written once, atomically, and
 * rewritten only when it differs from what the executable carries.
 */
import fs from 'node:fs';
import path from 'node:path';

export type AssetCacheErrorCode = 'ERR_ASSET_CACHE_UNSAFE' | 'ERR_ASSET_CACHE_IO' | 'ERR_INVALID_ARGUMENT';

/**
 * The cache directory cannot be used: not this user's own or open to others (`ERR_ASSET_CACHE_UNSAFE`), or the
 * disk refused (`ERR_ASSET_CACHE_IO`).
 *
 * @example
 * try { extractAssets(options) } catch (e) { if (e instanceof AssetCacheError) console.error(e.code, e.message) }
 */
export class AssetCacheError extends Error {
  override readonly name = 'AssetCacheError';
  readonly code: AssetCacheErrorCode;

  constructor(code: AssetCacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A file the executable carries: its name in the cache directory and its bytes. */
export interface CarriedFile {
  name: string;
  bytes: Uint8Array;
}

export interface ExtractOptions {
  /** This build's directory; created 0700 (and its missing parents) when absent. */
  dir: string;
  files: readonly CarriedFile[];
  /** Most files accepted; the executable carries a handful. */
  filesMax: number;
  /** The user the directory must belong to (`process.getuid()`). */
  uid: number;
  /** Makes each temporary file's name unique to this process, so two processes starting at once never share one. */
  tempSuffix: string;
}

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * The directory of one build: under `$XDG_CACHE_HOME`, else `$HOME/.cache` (a cache home, not `/tmp`, which is
 * often mounted noexec, where the addon could not be loaded), else the temp dir.
 *
 * @example
 * cacheDirFor({ HOME: '/home/ops' }, '/tmp', '0.1.0', 'ab12cd34'); // '/home/ops/.cache/ticketd-0.1.0-ab12cd34'
 */
export function cacheDirFor(env: Readonly<Record<string, string | undefined>>, tmpDir: string, version: string, hash: string): string {
  const xdg = env.XDG_CACHE_HOME;
  const home = env.HOME;
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : home !== undefined && path.isAbsolute(home) ? path.join(home, '.cache') : tmpDir;
  return path.join(base, `ticketd-${version}-${hash}`);
}

/**
 * Makes `dir` hold exactly the carried files' bytes: files already there with the same bytes are kept, others
 * are written to a temporary name and renamed into place. Answers the names it wrote.
 *
 * @example
 * extractAssets({ dir, files: [{ name: 'worker.js', bytes }], filesMax: 16, uid: process.getuid!(), tempSuffix: `${process.pid}` });
 */
export function extractAssets(options: ExtractOptions): string[] {
  const { dir, files, filesMax, uid, tempSuffix } = options;
  if (!Number.isInteger(filesMax) || filesMax < 1) throw new AssetCacheError('ERR_INVALID_ARGUMENT', `filesMax must be a positive integer, got ${filesMax}`);
  if (files.length > filesMax) throw new AssetCacheError('ERR_INVALID_ARGUMENT', `${files.length} files, more than filesMax ${filesMax}`);
  if (!/^[A-Za-z0-9-]{1,40}$/.test(tempSuffix)) throw new AssetCacheError('ERR_INVALID_ARGUMENT', `tempSuffix must be 1-40 letters, digits or '-', got '${tempSuffix}'`);
  for (const file of files) {
    if (!NAME.test(file.name)) throw new AssetCacheError('ERR_INVALID_ARGUMENT', `'${file.name}' is not a plain file name`);
  }
  ensureOwnDir(dir, uid);
  const written: string[] = [];
  for (const file of files) {
    const target = path.join(dir, file.name);
    if (holds(target, file.bytes)) continue;
    writeAtomically(target, `${target}.${tempSuffix}.tmp`, file.bytes);
    written.push(file.name);
  }
  return written;
}

/**
 * Other users must not be able to swap a file that this process then loads as code: the directory must be a real
 * directory (not a link), this user's, and closed to group and others.
 */
function ensureOwnDir(dir: string, uid: number): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  } catch (error) {
    throw new AssetCacheError('ERR_ASSET_CACHE_IO', `cannot create ${dir}: ${(error as Error).message} (set XDG_CACHE_HOME to a writable directory)`, { cause: error });
  }
  const stat = fs.lstatSync(dir);
  if (!stat.isDirectory()) throw new AssetCacheError('ERR_ASSET_CACHE_UNSAFE', `${dir} is not a directory (a link or a file is in its place)`);
  if (stat.uid !== uid) throw new AssetCacheError('ERR_ASSET_CACHE_UNSAFE', `${dir} belongs to user ${stat.uid}, not to this user (${uid})`);
  if ((stat.mode & 0o077) !== 0) {
    throw new AssetCacheError('ERR_ASSET_CACHE_UNSAFE', `${dir} is open to other users (mode ${(stat.mode & 0o777).toString(8)}); it must be 700`);
  }
}

function holds(file: string, bytes: Uint8Array): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return false;
  }
  if (!stat.isFile() || stat.size !== bytes.byteLength) return false;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(fs.readFileSync(file));
}

function writeAtomically(target: string, temp: string, bytes: Uint8Array): void {
  try {
    fs.writeFileSync(temp, bytes, { flag: 'w', mode: FILE_MODE });
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new AssetCacheError('ERR_ASSET_CACHE_IO', `cannot write ${target}: ${(error as Error).message}`, { cause: error });
  }
}
