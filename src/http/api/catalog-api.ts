/**
 * Declarations of the catalog routes (admins and managers): rides and machines, listed and created or replaced. The
 * handlers are in catalog-routes.ts.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { MachineBody, RideBody } from '../../domain/request-bodies.ts';
import { body, ok, responses } from './declare.ts';
import { IdParam } from './inputs.ts';
import { Machine, Ride } from './schemas.ts';

const tags = ['catalog'];

export const listRidesRoute = createRoute({
  method: 'get', path: '/v1/rides', tags, summary: 'Every ride',
  responses: responses({ 200: ok(z.strictObject({ rides: z.array(Ride) }), 'The rides', { rides: [Ride.meta()?.example] }) },
    {}, { auth: true, body: false }),
});

export const putRideRoute = createRoute({
  method: 'put', path: '/v1/rides/{id}', tags, summary: 'Create a ride (201) or replace it (200)',
  request: { params: IdParam, body: body(RideBody) },
  responses: responses({ 201: ok(Ride, 'Created'), 200: ok(Ride, 'Replaced') }, { 400: ['invalid_field'] },
    { auth: true, body: true }),
});

export const listMachinesRoute = createRoute({
  method: 'get', path: '/v1/machines', tags, summary: 'Every machine, with its public key when it signs',
  responses: responses({ 200: ok(z.strictObject({ machines: z.array(Machine) }), 'The machines', { machines: [{ id: 'gate-1' }] }) },
    {}, { auth: true, body: false }),
});

export const putMachineRoute = createRoute({
  method: 'put', path: '/v1/machines/{id}', tags,
  summary: 'Create a machine (201) or replace it (200); with a publicKey its taps must be signed',
  request: { params: IdParam, body: body(MachineBody) },
  responses: responses({ 201: ok(Machine, 'Created'), 200: ok(Machine, 'Replaced') }, { 400: ['invalid_field'] },
    { auth: true, body: true }),
});
