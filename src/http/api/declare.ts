/**
 * Small builders for the route declarations of src/http/api/: a JSON answer with its example, a required JSON
 * body, and an operation's whole `responses` (successes plus its errors, see errors.ts).
 */
import type { z } from '@hono/zod-openapi';
import { errorResponses, type ErrorCodes } from './errors.ts';

/**
 * A JSON answer; the example is the schema's own (`.meta({ example })`) unless one is given.
 *
 * @example
 * ok(Customer, 'The customer')
 */
export function ok<S extends z.ZodType>(schema: S, description: string, example?: unknown) {
  const own = (schema.meta() as { example?: unknown } | undefined)?.example;
  return { description, content: { 'application/json': { schema, example: example ?? own } } };
}

/** A required JSON body (`Content-Type: application/json`). @example body(RideBody) */
export function body<S extends z.ZodType>(schema: S) {
  const example = (schema.meta() as { example?: unknown } | undefined)?.example;
  return { required: true, content: { 'application/json': { schema, example } } };
}

/**
 * An operation's `responses`: its successes and its errors, with the codes every authenticated route shares (and a
 * JSON body's, when `body`) added.
 *
 * @example
 * responses({ 200: ok(Customer, 'The customer') }, { 404: ['unknown_customer'] }, { auth: true, body: false })
 */
export function responses<T extends object>(successes: T, errors: ErrorCodes, options: { auth: boolean; body: boolean }) {
  return { ...successes, ...errorResponses(errors, options) };
}
