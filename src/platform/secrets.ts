import { randomBytes } from 'node:crypto';

/**
 * Randomness for secrets (API tokens), injected like the clock and the ids so tests get predictable tokens.
 * Unlike `Random`, the real one must be a cryptographically secure source.
 *
 * @example
 * const secret = cryptoSecrets.bytes(32); // 32 bytes from node:crypto
 */
export interface SecretSource {
  /** `length` fresh bytes. */
  bytes(length: number): Buffer;
}

/** The operating system's CSPRNG (node:crypto `randomBytes`). */
export const cryptoSecrets: SecretSource = {
  bytes: (length) => randomBytes(length),
};
