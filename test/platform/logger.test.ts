/**
 * The pino-backed Logger: JSON lines with level, time and message; the level filters; errors keep their stack; and
 * secrets passed by mistake (an Authorization header, a token, a key) are censored where they are usually passed.
 */
import { describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from '../../src/platform/logger.ts';

function captured(level: LogLevel) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level, destination: { write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }, nowMs: () => 0 });
  return { log, lines };
}

describe('createLogger', () => {
  it('writes one JSON object a line with level, time, pid, message and the fields', () => {
    const { log, lines } = captured('info');
    log.info('listening', { url: 'http://127.0.0.1:8080' });
    log.warn('plain');
    expect(lines).toEqual([
      { level: 'info', time: '1970-01-01T00:00:00.000Z', pid: process.pid, msg: 'listening', url: 'http://127.0.0.1:8080' },
      { level: 'warn', time: '1970-01-01T00:00:00.000Z', pid: process.pid, msg: 'plain' },
    ]);
  });

  it('writes only lines at or above its level; silent writes none', () => {
    const info = captured('info');
    info.log.debug('hidden');
    info.log.error('shown');
    expect(info.lines.map((line) => line.msg)).toEqual(['shown']);
    const silent = captured('silent');
    silent.log.error('nothing');
    expect(silent.lines).toEqual([]);
    const debug = captured('debug');
    debug.log.debug('seen');
    expect(debug.lines.map((line) => line.level)).toEqual(['debug']);
  });

  it('writes an error passed as err or error with its type, message, code and stack', () => {
    const { log, lines } = captured('info');
    const error = Object.assign(new Error('disk on fire'), { code: 'EIO' });
    log.error('internal error', { requestId: 'req-1', err: error });
    log.error('other', { error });
    for (const line of lines) {
      const written = (line.err ?? line.error) as Record<string, unknown>;
      expect(written).toMatchObject({ type: 'Error', message: 'disk on fire', code: 'EIO' });
      expect(written.stack).toContain('logger.test.ts');
    }
    expect(lines[0]!.requestId).toBe('req-1');
  });

  it('censors authorization headers, tokens, secrets and keys passed by mistake', () => {
    const { log, lines } = captured('info');
    log.info('careless', {
      authorization: 'Bearer tkd_top', token: 'tkd_top', headers: { authorization: 'Bearer tkd_top', cookie: 'sid=tkd_top' },
      secret: 'tkd_top', req: { headers: { authorization: 'Bearer tkd_top' } }, privateKey: 'PEM', signingKey: 'PEM',
      tokens: 12,
    });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('tkd_top');
    expect(text).not.toContain('PEM');
    expect(lines[0]).toMatchObject({ token: '[redacted]', secret: '[redacted]', headers: { authorization: '[redacted]' }, tokens: 12 });
  });

  it('refuses an unknown level, naming the option', () => {
    expect(() => createLogger({ level: 'loud' as LogLevel })).toThrow(/level must be one of debug, info, warn, error, silent/);
  });
});
