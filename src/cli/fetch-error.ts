/**
 * What went wrong with a `fetch` that got no answer, in a few words.
 */

/**
 * undici rejects with a bare `TypeError: fetch failed`; the cause holds the useful part (`ECONNREFUSED`).
 *
 * @example
 * describeFetchError(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })); // 'ECONNREFUSED'
 */
export function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | null | undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error.message;
}
