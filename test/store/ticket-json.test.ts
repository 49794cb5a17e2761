import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AMOUNT_MAX, type AppliedRule, type Ticket } from '../../src/domain/types.ts';
import { ticketBalanceChangeJson, ticketJson, type TicketBalanceChange } from '../../src/store/ticket-json.ts';

/** Seeded: `SEED=1234 npx vitest run test/store/ticket-json.test.ts` replays a run; fast-check prints a failing seed. */
const seed = process.env.SEED === undefined ? 20_261_122 : Number(process.env.SEED);

/** Any string, lone surrogates and characters JSON escapes included. */
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '"', '\\', '\u2028', '\ud800', 'a\udfffb', '\u0000\n'),
);
const cents = fc.integer({ min: 0, max: AMOUNT_MAX });
const rule: fc.Arbitrary<AppliedRule> = fc.record({
  rule: text,
  kind: fc.constantFrom('peak', 'tier'),
  factorBp: fc.integer({ min: 0, max: 100_000 }),
  before: cents,
  after: cents,
});

const ticket: fc.Arbitrary<Ticket> = fc.record({
  ticketId: text,
  tapId: text,
  customerId: text,
  rideId: text,
  basePrice: cents,
  price: cents,
  currency: fc.constant('EUR' as const),
  rules: fc.array(rule, { maxLength: 3 }),
  balanceAfter: cents,
  tappedAt: text,
  issuedAt: text,
});

describe('the JSON of an issued ticket', () => {
  it('is JSON.stringify of the ticket, whatever its strings and amounts', () => {
    fc.assert(
      fc.property(ticket, (t) => {
        expect(ticketJson(t, JSON.stringify(t.rules))).toBe(JSON.stringify(t));
      }),
      { seed, numRuns: 2_000 },
    );
  });

  it('is JSON.stringify of the balance change, a free ticket included (change -0)', () => {
    fc.assert(
      fc.property(ticket, (t) => {
        const change: TicketBalanceChange = {
          customerId: t.customerId,
          balance: t.balanceAfter,
          currency: t.currency,
          change: -t.price,
          cause: { kind: 'ticket', tapId: t.tapId, ticketId: t.ticketId },
        };
        expect(ticketBalanceChangeJson(change)).toBe(JSON.stringify(change));
      }),
      { seed, numRuns: 2_000 },
    );
    const free: TicketBalanceChange = {
      customerId: 'c1',
      balance: 0,
      currency: 'EUR',
      change: -0,
      cause: { kind: 'ticket', tapId: 't1', ticketId: 'tkt_1' },
    };
    expect(ticketBalanceChangeJson(free)).toBe(JSON.stringify(free));
  });
});
