import type { Props } from '../actors/types.ts';
import type { Logger } from '../platform/logger.ts';
import type { NotificationListener } from './engine-api.ts';
import type { NotifierMessage } from './messages.ts';

/**
 * Hands committed notifications to their listeners (the SSE hub). A listener that throws is logged and the
 * others still hear: one broken subscriber must not silence the rest.
 */
export function notifierProps(listeners: Set<NotificationListener>, mailboxCapacity: number, log: Logger): Props<NotifierMessage> {
  return {
    name: 'notifier',
    mailbox: { capacity: mailboxCapacity, overflow: 'reject' },
    create: () => ({
      receive(message) {
        for (const listener of listeners) {
          try {
            listener(message.notifications);
          } catch (error) {
            log.error('notification listener failed', { error: String(error) });
          }
        }
      },
    }),
  };
}
