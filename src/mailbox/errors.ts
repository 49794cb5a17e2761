/** Errors of the mailbox, each with a stable `code` that code and tests match on. */
export class MailboxError extends Error {
  constructor(
    readonly code: 'ERR_MAILBOX_FULL' | 'ERR_BACKPRESSURE_TIMEOUT' | 'ERR_ABORTED' | 'ERR_MAILBOX_CLOSED' | 'ERR_INVALID_OPTION',
    message: string,
  ) {
    super(message);
    this.name = 'MailboxError';
  }
}
