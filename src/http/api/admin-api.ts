/**
 * Declarations of the health checks (public) and the API token routes (admins). The handlers are in
 * health-routes.ts and token-routes.ts.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { TokenScopeBody } from '../../domain/principal.ts';
import { body, ok, responses } from './declare.ts';
import { IdParam } from './inputs.ts';
import { CreatedToken, TokenInfo } from './schemas.ts';

export const healthRoute = createRoute({
  method: 'get', path: '/health', tags: ['health'], summary: 'The process answers (public)',
  responses: responses({ 200: ok(z.strictObject({ status: z.literal('ok') }), 'Alive', { status: 'ok' }) },
    { 500: ['internal'] }, { auth: false, body: false }),
});

/** The parts beside the engine (RabbitMQ, when configured) and which of them are not up. */
const READY_PARTS = {
  components: z.record(z.string(), z.enum(['connected', 'connecting', 'down'])).optional()
    .meta({ description: 'each optional part and its state, e.g. { amqp: "connected" }' }),
  degraded: z.array(z.string()).optional().meta({ description: 'the parts not connected: HTTP works, they do not' }),
};

export const readyRoute = createRoute({
  method: 'get', path: '/ready', tags: ['health'], summary: 'The engine takes taps (public); which optional part, such as RabbitMQ, is degraded',
  responses: responses({
    200: ok(z.strictObject({ ready: z.literal(true), ...READY_PARTS }), 'Ready: the engine takes taps over HTTP (a part may be degraded)', {
      ready: true, components: { amqp: 'connecting' }, degraded: ['amqp'],
    }),
    503: ok(z.strictObject({ ready: z.literal(false), reason: z.string(), ...READY_PARTS }), 'Not ready, and why', { ready: false, reason: 'starting' }),
  }, { 500: ['internal'] }, { auth: false, body: false }),
});

const tags = ['tokens'];

export const createTokenRoute = createRoute({
  method: 'post', path: '/v1/tokens', tags,
  summary: 'Create an API token; this answer is the only one that holds its secret',
  request: { body: body(TokenScopeBody) },
  responses: responses({ 201: ok(CreatedToken, 'Created') }, { 404: ['unknown_customer', 'unknown_machine'] },
    { auth: true, body: true }),
});

export const listTokensRoute = createRoute({
  method: 'get', path: '/v1/tokens', tags, summary: 'The tokens, newest first, without secrets',
  responses: responses({
    200: ok(z.strictObject({ tokens: z.array(TokenInfo) }), 'The tokens', {
      tokens: [{ id: 'tok-7', role: 'machine', machineId: 'gate-1', createdAt: '2026-11-22T10:00:00.000Z' }],
    }),
  }, {}, { auth: true, body: false }),
});

export const revokeTokenRoute = createRoute({
  method: 'delete', path: '/v1/tokens/{id}', tags, summary: 'Revoke a token: its next request gets 401',
  request: { params: IdParam },
  responses: responses({ 204: { description: 'Revoked (or already revoked)' } },
    { 400: ['invalid_field'], 404: ['unknown_token'] }, { auth: true, body: false }),
});
