import type { Behavior, Props } from '../../src/actors/types.ts';
import type { MailboxOptions } from '../../src/mailbox/bounded-mailbox.ts';

export const roomy: MailboxOptions = { capacity: 100, overflow: 'reject' };

/** Props for an actor whose behavior is built by `create`, with a roomy mailbox unless told otherwise. */
export function props<M, R = void>(
  name: string,
  create: () => Behavior<M, R>,
  extra: Partial<Props<M, R>> = {},
): Props<M, R> {
  return { name, mailbox: roomy, create, ...extra };
}

export class Boom extends Error {
  constructor(message = 'boom') {
    super(message);
    this.name = 'Boom';
  }
}
