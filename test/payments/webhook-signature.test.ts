import { describe, it, expect } from 'vitest';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { signWebhook, WebhookVerifier } from '../../src/payments/webhook-signature.ts';

const secret = 'whsec_test_0123456789abcdef';
const body = '{"type":"charge.succeeded","id":"evt-1"}';
const startMs = 1_764_421_200_000;

function setup(replayMemoryMax = 100): { clock: VirtualClock; verifier: WebhookVerifier } {
  const clock = new VirtualClock(startMs);
  return { clock, verifier: new WebhookVerifier({ secret, clock, toleranceMs: 300_000, replayMemoryMax }) };
}

describe('signWebhook', () => {
  it('writes t in seconds and v1 as 64 hex digits', () => {
    expect(signWebhook(body, secret, startMs + 999)).toMatch(/^t=1764421200,v1=[0-9a-f]{64}$/);
  });

  it('is deterministic and depends on body, secret and time', () => {
    const header = signWebhook(body, secret, startMs);
    expect(signWebhook(body, secret, startMs)).toBe(header);
    expect(signWebhook(`${body} `, secret, startMs)).not.toBe(header);
    expect(signWebhook(body, `${secret}x`, startMs)).not.toBe(header);
    expect(signWebhook(body, secret, startMs + 1_000)).not.toBe(header);
  });
});

describe('WebhookVerifier', () => {
  it('accepts what was signed (round trip)', () => {
    const { clock, verifier } = setup();
    expect(verifier.verify(body, signWebhook(body, secret, clock.now()))).toEqual({ ok: true, timestampMs: startMs });
  });

  it('refuses a tampered body', () => {
    const { clock, verifier } = setup();
    const header = signWebhook(body, secret, clock.now());
    expect(verifier.verify(body.replace('succeeded', 'failed'), header)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a tampered timestamp', () => {
    const { clock, verifier } = setup();
    const header = signWebhook(body, secret, clock.now()).replace('t=1764421200', 't=1764421201');
    expect(verifier.verify(body, header)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a signature made with another secret', () => {
    const { clock, verifier } = setup();
    expect(verifier.verify(body, signWebhook(body, 'another_secret_0123456789', clock.now()))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('accepts any matching v1 (secret rotation)', () => {
    const { clock, verifier } = setup();
    const good = signWebhook(body, secret, clock.now());
    const old = signWebhook(body, 'old_secret_0123456789abc', clock.now()).split(',')[1]!;
    expect(verifier.verify(body, `${good.split(',')[0]},${old},${good.split(',')[1]}`).ok).toBe(true);
  });

  it('refuses a timestamp outside the tolerance, either way', () => {
    const { clock, verifier } = setup();
    const stale = signWebhook(body, secret, clock.now());
    clock.advanceTo(startMs + 301_000);
    expect(verifier.verify(body, stale)).toEqual({ ok: false, reason: 'timestamp_outside_tolerance' });
    const future = signWebhook(body, secret, clock.now() + 301_000);
    expect(verifier.verify(body, future)).toEqual({ ok: false, reason: 'timestamp_outside_tolerance' });
  });

  it('accepts a timestamp at the edge of the window', () => {
    const { clock, verifier } = setup();
    const header = signWebhook(body, secret, clock.now());
    clock.advanceTo(startMs + 300_000);
    expect(verifier.verify(body, header).ok).toBe(true);
  });

  it('refuses a replay inside the window, and outside it by its timestamp', () => {
    const { clock, verifier } = setup();
    const header = signWebhook(body, secret, clock.now());
    expect(verifier.verify(body, header).ok).toBe(true);
    clock.advanceTo(startMs + 60_000);
    expect(verifier.verify(body, header)).toEqual({ ok: false, reason: 'replayed' });
    clock.advanceTo(startMs + 400_000);
    expect(verifier.verify(body, header)).toEqual({ ok: false, reason: 'timestamp_outside_tolerance' });
  });

  it('forgets signatures once the window has passed them, and refuses when its memory is full', () => {
    const { clock, verifier } = setup(2);
    for (const n of [1, 2]) expect(verifier.verify(`${body}${n}`, signWebhook(`${body}${n}`, secret, clock.now())).ok).toBe(true);
    expect(verifier.verify(`${body}3`, signWebhook(`${body}3`, secret, clock.now()))).toEqual({ ok: false, reason: 'replay_memory_full' });
    expect(verifier.remembered).toBe(2);
    clock.advanceTo(startMs + 301_000);
    expect(verifier.verify(`${body}3`, signWebhook(`${body}3`, secret, clock.now())).ok).toBe(true);
    expect(verifier.remembered).toBe(1);
  });

  it.each([
    [undefined, 'missing_signature'],
    ['', 'missing_signature'],
    ['v1=abc', 'malformed_signature'],
    ['t=1764421200', 'malformed_signature'],
    ['t=abc,v1=' + '0'.repeat(64), 'malformed_signature'],
    ['t=1764421200,v1=' + '0'.repeat(63), 'malformed_signature'],
    ['t=1764421200,v1=' + 'a'.repeat(64) + '=x', 'malformed_signature'],
    ['t=1764421200,v1=' + '0'.repeat(64), 'bad_signature'],
    [Array.from({ length: 9 }, () => 'v0=1').join(','), 'malformed_signature'],
  ])('answers header %j with %s', (header, reason) => {
    const { verifier } = setup();
    expect(verifier.verify(body, header)).toEqual({ ok: false, reason });
  });

  it.each([
    ['secret', { secret: 'short' }],
    ['toleranceMs', { toleranceMs: 999 }],
    ['toleranceMs', { toleranceMs: 3_600_001 }],
    ['replayMemoryMax', { replayMemoryMax: 0 }],
    ['replayMemoryMax', { replayMemoryMax: 1.5 }],
  ])('checks the option %s', (option, patch) => {
    const options = { secret, clock: new VirtualClock(0), toleranceMs: 300_000, replayMemoryMax: 10, ...patch };
    expect(() => new WebhookVerifier(options)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining(option) }));
  });
});
