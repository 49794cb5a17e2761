/**
 * The same requests from other callers: no Authorization header, a malformed or unknown one, or a real token with
 * less scope than an admin's (customer-1's, gate-1's). Less scope can only add refusals, so a request that must
 * fail as an admin still must; one without a valid token must fail unless its path is public.
 */
import fc from 'fast-check';
import { routedPaths, type FuzzRequest } from './fuzz-request.ts';

const BAD_AUTHORIZATION = [
  '', 'Bearer', 'Bearer ', 'bearer', 'Bearer junk', 'Basic YWRtaW46YWRtaW4=', 'Token abc', 'Bearer tkd_',
  `Bearer tkd_${'A'.repeat(43)}`, `Bearer ${'a'.repeat(10_000)}`, 'Bearer  tkd_x', 'Bearer \u00fc', 'Bearer a, Bearer b',
];

const caller: fc.Arbitrary<NonNullable<FuzzRequest['caller']>> = fc.oneof(
  fc.constantFrom('none' as const, 'customer-1' as const, 'gate-1' as const),
  fc.constantFrom(...BAD_AUTHORIZATION).map((authorization) => ({ authorization })),
  fc.string({ unit: 'binary-ascii', maxLength: 40 })
    .filter((s) => /^[\x20-\x7e]*$/.test(s))
    .map((authorization) => ({ authorization })),
);

function isPublic(path: string): boolean {
  return routedPaths(path).some((p) => p === '/health' || p === '/ready');
}

/**
 * @example
 * fuzz(fromOtherCallers(fc.oneof(tapRequests, customerRequests)), 500);
 */
export function fromOtherCallers(requests: fc.Arbitrary<FuzzRequest>): fc.Arbitrary<FuzzRequest> {
  return fc.tuple(requests, caller).map(([request, who]): FuzzRequest => {
    const anonymous = typeof who === 'object' || who === 'none';
    return {
      ...request,
      caller: who,
      mustFail: request.mustFail || (anonymous && !isPublic(request.path)),
      // A 401 or 403 comes before the resume point is read: only the allowance for sse_unavailable stays.
      ...(request.events !== undefined && { events: { lastEventIdValid: true } }),
    };
  });
}
