import { randomUUID } from 'node:crypto';

/**
 * Identifiers, injected, so tests get predictable ids and production gets unguessable ones.
 *
 * @example
 * sequentialIds().next('ticket'); // 'ticket-1'
 */
export interface IdSource {
  next(prefix: string): string;
}

export function sequentialIds(): IdSource {
  let counter = 0;
  return { next: (prefix) => `${prefix}-${++counter}` };
}

export const randomIds: IdSource = {
  next: (prefix) => `${prefix}-${randomUUID()}`,
};
