/**
 * The heartbeat's token check, shared by every kind of event stream (the customers' in sse-hub.ts, the domain
 * feed's in feed-hub.ts): a stream opened with a token that is no longer good (revoked by another process, say)
 * is ended.
 */
import type { SseConnection } from './sse-connection.ts';

/**
 * Ends each of `connections` whose token `tokenActive` says is not good, asking once per token. A store that cannot
 * answer now (it throws) leaves the stream be until the next heartbeat, and the error goes to `onError`.
 *
 * @example
 * endRevoked(hub.connections(), (id) => tokens.isActive(id), log.error);
 */
export function endRevoked(connections: Iterable<SseConnection>, tokenActive: (tokenId: string) => boolean, onError: (error: unknown) => void): void {
  const verdicts = new Map<string, boolean>();
  for (const connection of [...connections]) {
    const id = connection.tokenId;
    if (id === undefined) continue;
    let active = verdicts.get(id);
    if (active === undefined) {
      try {
        active = tokenActive(id);
      } catch (error) {
        onError(error);
        active = true;
      }
      verdicts.set(id, active);
    }
    if (!active) connection.end();
  }
}
