/**
 * Declarations of the tap routes (send, read) and the dead-letter routes (list, read, replay). The handlers are in
 * tap-routes.ts and dead-letter-routes.ts.
 */
import { createRoute } from '@hono/zod-openapi';
import { TapsBody } from '../../domain/tap-schema.ts';
import { body, ok, responses } from './declare.ts';
import { DeadLetterIdParam, DeadLetterQuery, TapIdParam, TapsQuery } from './inputs.ts';
import { DeadLetter, DeadLetterPage, TapResults, TapState } from './schemas.ts';

const ENGINE_WAIT = { 503: ['engine_timeout', 'not_ready', 'storage_unavailable'] } as const;

export const postTapsRoute = createRoute({
  method: 'post', path: '/v1/taps', tags: ['taps'],
  summary: 'Decide one tap or a batch of 1-1000: each answered issued, rejected, failed, duplicate or conflict',
  description: 'Answered once every tap is decided and committed, in request order. A machine token sends only its ' +
    "own machine's taps: a batch naming another machine is refused whole (403).",
  request: { query: TapsQuery, body: body(TapsBody) },
  responses: responses({ 200: ok(TapResults, 'Each tap decided, in request order') }, {
    400: ['invalid_query', 'empty_batch', 'too_many_taps'], 429: ['overloaded'], ...ENGINE_WAIT,
  }, { auth: true, body: true }),
});

export const getTapRoute = createRoute({
  method: 'get', path: '/v1/taps/{tapId}', tags: ['taps'],
  summary: "A decided tap's state (admin or manager, or the tap's customer: another customer's tap is unknown_tap)",
  request: { params: TapIdParam },
  responses: responses({ 200: ok(TapState, 'The tap') }, { 400: ['invalid_field'], 404: ['unknown_tap'] },
    { auth: true, body: false }),
});

const tags = ['dead letters'];

export const listDeadLettersRoute = createRoute({
  method: 'get', path: '/v1/dead-letters', tags, summary: 'Rejected and failed taps, newest first, by reason if given',
  request: { query: DeadLetterQuery },
  responses: responses({ 200: ok(DeadLetterPage, 'One page') }, { 400: ['invalid_query', 'invalid_cursor'] },
    { auth: true, body: false }),
});

const DEAD_LETTER_EXAMPLE = {
  id: 7, tapId: 'tap-9', reason: 'ride_closed', attempts: 1, firstAt: '2026-11-22T10:00:00.000Z', lastAt: '2026-11-22T10:00:00.000Z',
  status: 'open', tap: { tapId: 'tap-9', customerId: 'customer-1', rideId: 'ride-a', machineId: 'gate-1', tappedAt: '2026-11-22T10:00:00+01:00' },
};

export const getDeadLetterRoute = createRoute({
  method: 'get', path: '/v1/dead-letters/{id}', tags, summary: 'One dead letter',
  request: { params: DeadLetterIdParam },
  responses: responses({ 200: ok(DeadLetter, 'The dead letter', DEAD_LETTER_EXAMPLE) },
    { 400: ['invalid_field'], 404: ['unknown_dead_letter'] }, { auth: true, body: false }),
});

export const replayDeadLetterRoute = createRoute({
  method: 'post', path: '/v1/dead-letters/{id}/replay', tags,
  summary: "Decide the dead letter's tap again; answers its new state",
  request: { params: DeadLetterIdParam },
  responses: responses({ 200: ok(TapState, "The tap's new state") },
    { 400: ['invalid_field'], 404: ['unknown_dead_letter'], 409: ['already_replayed'], ...ENGINE_WAIT },
    { auth: true, body: false }),
});
