/**
 * Path parameters, query parameters and headers of the API as zod schemas, and the hook that turns any zod
 * failure of a request into the API's 400: `invalid_field` for a path id, `invalid_query` for a query parameter,
 * the body's codes for a body, or the code a schema names itself (`invalid_cursor`, `invalid_last_event_id`).
 * The message starts with the field (`limit: must be an integer in 1..1000`).
 */
import type { Hook } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { BODY_CODES, inputErrorOf, type IssueCodes } from '../../domain/input-error.ts';
import { Id } from '../../domain/request-bodies.ts';
import type { AppEnv } from '../app-env.ts';
import { DEAD_LETTER_REASONS } from './schemas.ts';

/** Default and largest page size of list endpoints. */
export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 1_000;
/** Longest cursor accepted; the store's are far shorter. */
export const CURSOR_LENGTH_MAX = 100;

/** Plain decimal digits, at most 15 (a safe integer): no signs, blanks, exponents or fractions. */
const DIGITS = /^[0-9]{1,15}$/;

const CODES: Readonly<Record<string, IssueCodes>> = {
  json: BODY_CODES,
  query: { whole: 'invalid_query', field: 'invalid_query' },
  param: { whole: 'invalid_field', field: 'invalid_field' },
  header: { whole: 'invalid_field', field: 'invalid_field' },
};

/**
 * The `defaultHook` of the app: a failed validation is thrown as an InputError, which `app.onError` answers 400.
 *
 * @example
 * new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
 */
export const validationHook: Hook<unknown, AppEnv, string, undefined> = (result) => {
  if (!result.success) throw inputErrorOf(result.error, CODES[result.target] ?? BODY_CODES);
  return undefined;
};

export const IdParam = z.object({ id: Id.meta({ param: { name: 'id', in: 'path' } }) });
export const TapIdParam = z.object({ tapId: Id.meta({ param: { name: 'tapId', in: 'path' }, example: 'tap-1' }) });

export const DeadLetterIdParam = z.object({
  id: z.string()
    .regex(DIGITS, 'must be a positive integer')
    .transform(Number)
    .refine((id) => id >= 1, 'must be a positive integer')
    .meta({ param: { name: 'id', in: 'path' }, example: '7' }),
});

const limit = z.string()
  .regex(DIGITS, `must be an integer in 1..${PAGE_LIMIT_MAX}`)
  .transform(Number)
  .refine((n) => n >= 1 && n <= PAGE_LIMIT_MAX, `must be an integer in 1..${PAGE_LIMIT_MAX}`)
  .optional()
  .transform((n) => n ?? PAGE_LIMIT_DEFAULT)
  .meta({ param: { name: 'limit', in: 'query' }, description: `page size, 1..${PAGE_LIMIT_MAX} (default ${PAGE_LIMIT_DEFAULT})`, example: '50' });

/** Opaque, but it must look like one this server hands out (`[A-Za-z0-9._-]`, at most 100 chars). */
const cursor = z.string()
  .refine((value) => value.length >= 1 && value.length <= CURSOR_LENGTH_MAX && /^[A-Za-z0-9._-]+$/.test(value), {
    message: 'not one this server handed out', params: { code: 'invalid_cursor' },
  })
  .optional()
  .meta({ param: { name: 'cursor', in: 'query' }, description: 'nextCursor of the previous page' });

export const PageQuery = z.object({ limit, cursor });

export const InboxQuery = z.object({
  unread: z.enum(['true', 'false'], { error: 'must be true or false' }).optional()
    .meta({ param: { name: 'unread', in: 'query' }, description: 'true: only what is after the read marker' }),
  limit,
  cursor,
});

export const DeadLetterQuery = z.object({
  reason: z.enum(DEAD_LETTER_REASONS, { error: `must be one of ${DEAD_LETTER_REASONS.join(', ')}` })
    .optional()
    .meta({ param: { name: 'reason', in: 'query' }, example: 'ride_closed' }),
  limit,
  cursor,
});

/** `?wait=` was how a client asked for outcomes; every answer carries them now, but a malformed value is still a 400. */
export const TapsQuery = z.object({
  wait: z.enum(['true', 'false'], { error: 'must be true or false' }).optional()
    .meta({ param: { name: 'wait', in: 'query' }, description: 'ignored: every answer carries the outcomes' }),
});

/** Where an SSE stream resumes: a non-negative integer (the last event id the client saw). */
const eventId = (name: string, where: 'query' | 'header') => z.string()
  .refine((value) => DIGITS.test(value.trim()), {
    message: 'must be a non-negative integer', params: { code: 'invalid_last_event_id' },
  })
  .transform((value) => Number(value.trim()))
  .optional()
  .meta({ param: { name, in: where }, description: 'resume after this event id', example: '41' });

export const EventsQuery = z.object({ lastEventId: eventId('lastEventId', 'query') });
export const EventsHeaders = z.object({ 'last-event-id': eventId('last-event-id', 'header') });
