/**
 * The error answers of each operation, declared with it: per status, the codes it may answer with (the schema of
 * `{ error: { code, message } }` takes only those codes), an example, and a description that lists them. The
 * codes every authenticated route shares, and those of a JSON body, are added by `errorResponses`.
 */
import { z } from '@hono/zod-openapi';

/** Status → the codes an operation may answer with that status. */
export type ErrorCodes = Readonly<Partial<Record<number, readonly string[]>>>;

/** What every route behind a token may answer. */
const AUTHENTICATED: ErrorCodes = {
  401: ['unauthorized'], 403: ['forbidden', 'csrf_failed'], 429: ['rate_limited'], 500: ['internal'],
};
/** What reading a JSON body may answer. */
const JSON_BODY: ErrorCodes = {
  400: ['invalid_json', 'invalid_body', 'invalid_field', 'unknown_field'], 413: ['body_too_large'],
  415: ['unsupported_media_type'],
};

const EXAMPLE_MESSAGES: Readonly<Record<string, string>> = {
  invalid_field: 'tier: must be one of standard, season-pass',
  invalid_query: 'limit: must be an integer in 1..1000',
  unauthorized: 'a valid bearer token is required (Authorization: Bearer <token>)',
};

/** The generic error body, for answers no operation declares (404 for an unknown path, 405). */
export const ErrorBody = z.strictObject({
  error: z.strictObject({ code: z.string().min(1), message: z.string().min(1) }),
}).meta({ id: 'Error' });

/**
 * The `responses` entries of an operation's errors.
 *
 * @example
 * errorResponses({ 404: ['unknown_customer'] }, { auth: true, body: true });
 */
export function errorResponses(codes: ErrorCodes, options: { auth: boolean; body: boolean }) {
  const merged = new Map<number, string[]>();
  const add = (from: ErrorCodes) => {
    for (const [status, list] of Object.entries(from)) {
      const known = merged.get(Number(status)) ?? [];
      for (const code of list ?? []) if (!known.includes(code)) known.push(code);
      merged.set(Number(status), known);
    }
  };
  if (options.body) add(JSON_BODY);
  add(codes);
  if (options.auth) add(AUTHENTICATED);
  const responses: Record<number, { description: string; content: { 'application/json': { schema: z.ZodType; example: unknown } } }> = {};
  for (const [status, list] of [...merged].sort(([a], [b]) => a - b)) {
    const [first, ...rest] = list as [string, ...string[]];
    const schema = z.strictObject({
      error: z.strictObject({
        code: z.enum([first, ...rest]), message: z.string().min(1),
        details: z.record(z.string(), z.unknown()).optional().meta({ description: 'what was not available: categoryId, seats, requested, available' }),
      }),
    });
    const example = { error: { code: first, message: EXAMPLE_MESSAGES[first] ?? first.replaceAll('_', ' ') } };
    responses[status] = { description: `Error codes: ${list.join(', ')}`, content: { 'application/json': { schema, example } } };
  }
  return responses;
}
