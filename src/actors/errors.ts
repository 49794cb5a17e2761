/** Errors of the actor runtime; match on `code`, never on the message text. */
export type ActorErrorCode =
  | 'ERR_ASK_TIMEOUT'
  | 'ERR_ASK_CAPACITY'
  | 'ERR_ACTOR_STOPPED'
  | 'ERR_MAILBOX_FULL'
  | 'ERR_DUPLICATE_NAME'
  | 'ERR_INVALID_OPTION'
  | 'ERR_SYSTEM_STOPPED';

export class ActorError extends Error {
  constructor(
    readonly code: ActorErrorCode,
    message: string,
    /** Path of the actor the error is about, e.g. `/user/gate`. */
    readonly target?: string,
  ) {
    super(message);
    this.name = 'ActorError';
  }
}

export function invalidOption(name: string, expected: string, got: unknown): ActorError {
  return new ActorError('ERR_INVALID_OPTION', `${name} must be ${expected}, got ${String(got)}`);
}

export function requirePositiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw invalidOption(name, 'a positive integer', value);
  return value;
}
