/**
 * Structured log lines, one JSON object each, on stderr. Injected, so tests can capture or silence them; only
 * fields passed in are written, so secrets stay out unless someone passes them.
 *
 * @example
 * log.info('listening', { url: 'http://127.0.0.1:8080' });
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(write: (line: string) => void = (line) => process.stderr.write(line), now = () => new Date().toISOString()): Logger {
  const emit = (level: string, message: string, fields?: Record<string, unknown>): void => {
    write(`${JSON.stringify({ at: now(), level, message, ...fields })}\n`);
  };
  return {
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
