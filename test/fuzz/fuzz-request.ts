/**
 * One generated HTTP request and what the test knows about it beforehand.
 */
import { toJsonText } from './json-text.ts';

export interface FuzzRequest {
  method: string;
  /** Path and query, as handed to `app.request`. */
  path: string;
  headers: Record<string, string>;
  /** Who calls: absent, an admin; a token of customer-1 or of gate-1; no Authorization header; or this header. */
  caller?: 'customer-1' | 'gate-1' | 'none' | { authorization: string };
  body?: string | Uint8Array;
  /** Wrong by construction: only a 4xx is a right answer. Otherwise a 2xx is allowed too (it happened to be valid). */
  mustFail: boolean;
  /** `POST /v1/taps`: the tap ids in the body, to check that a refused request decided none of them. */
  tapIds: string[];
  /** The events route: whether the resume point (`Last-Event-ID`, else `?lastEventId=`) is well-formed. */
  events?: { lastEventIdValid: boolean };
  /** A PUT whose 2xx answer is compared with what the store then holds. */
  readBack?: { kind: 'customer' | 'ride' | 'machine'; id: string };
}

/**
 * A request with a JSON body (written with `toJsonText`, so raw number literals survive).
 *
 * @example
 * jsonRequest('PUT', '/v1/rides/r-1', { name: 'R', price: 5, open: true }, false);
 */
export function jsonRequest(method: string, path: string, body: unknown, mustFail: boolean, tapIds: string[] = []): FuzzRequest {
  return { method, path, headers: { 'content-type': 'application/json' }, body: toJsonText(body), mustFail, tapIds };
}

/** A request without a body. */
export function bareRequest(method: string, path: string, mustFail: boolean, headers: Record<string, string> = {}): FuzzRequest {
  return { method, path, headers, mustFail, tapIds: [] };
}

/** `path` with `query` appended; `undefined` values are left out, the rest URL-encoded. */
export function withQuery(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.append(name, value);
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

/**
 * `text` percent-encoded as one URL path segment, or `undefined` when it holds a lone surrogate (which no URL can
 * carry; the raw bytes of one are among the weird segments instead).
 */
export function encodeSegment(text: string): string | undefined {
  try {
    return encodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * The path the app may route `path` as: normalised by the URL parser (`..`, `%2e`), and that percent-decoded.
 *
 * @example
 * routedPaths('/x/../%68ealth'); // ['/%68ealth', '/health']
 */
export function routedPaths(path: string): string[] {
  const { pathname } = new URL(path, 'http://localhost');
  try {
    return [pathname, decodeURI(pathname)];
  } catch {
    return [pathname]; // not decodable: the router sees it as written
  }
}
