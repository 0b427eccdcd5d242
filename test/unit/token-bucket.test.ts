import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createTokenBucket,
  refundToken,
  reserveToken,
  type TokenBucket,
  tokenBucketAt,
  tokenBucketThrottled,
  tokenRefillRate,
  tokenWaitMs,
} from '../../lambdas/domain/retention/token-bucket';
import { worstWindowExcess } from '../../scripts/bench/ec2-fake';

const T0 = Date.parse('2026-11-20T03:00:00Z');
const EC2 = { capacity: 100, refillPerSecond: 5 };

/** Reserves `count` tokens at `nowMs`, returning the bucket and the start times. */
function reserveMany(bucket: TokenBucket, nowMs: number, count: number): { bucket: TokenBucket; starts: number[] } {
  const starts: number[] = [];
  let current = bucket;
  for (let i = 0; i < count; i++) {
    const reservation = reserveToken(current, nowMs);
    current = reservation.bucket;
    starts.push(reservation.startMs);
  }
  return { bucket: current, starts };
}

describe('token bucket', () => {
  it('gives the burst at once, then one token per 1/rate, queued in order of reservation', () => {
    const { bucket, starts } = reserveMany(createTokenBucket(EC2, T0), T0, 103);
    expect(starts.slice(0, 100).every((s) => s === T0)).toBe(true);
    expect(starts.slice(100).map((s) => s - T0)).toEqual([200, 400, 600]);
    expect(bucket.tokens).toBe(-3);
    // A caller arriving 100 ms later queues behind the three: 800 ms from the start.
    const later = reserveToken(bucket, T0 + 100);
    expect(later.startMs - T0).toBeCloseTo(800, 9);
    expect(later.waitMs).toBeCloseTo(700, 9);
    expect(tokenWaitMs(bucket, T0 + 100)).toBeCloseTo(700, 9);
  });

  it('refills up to its capacity and no further', () => {
    const empty = reserveMany(createTokenBucket(EC2, T0), T0, 100).bucket;
    expect(tokenBucketAt(empty, T0 + 1_000).tokens).toBeCloseTo(5, 9);
    expect(tokenBucketAt(empty, T0 + 3_600_000).tokens).toBe(100);
  });

  it('never changes its input and answers the same to the same question', () => {
    const bucket = reserveMany(createTokenBucket(EC2, T0), T0, 150).bucket;
    const before = JSON.stringify(bucket);
    const a = reserveToken(bucket, T0 + 50);
    const b = reserveToken(bucket, T0 + 50);
    tokenBucketThrottled(bucket, T0 + 50);
    refundToken(bucket, T0 + 50);
    expect(JSON.stringify(bucket)).toBe(before);
    expect(a).toEqual(b);
  });

  it('treats a clock that steps back as the last instant it saw', () => {
    const { bucket } = reserveMany(createTokenBucket(EC2, T0 + 1_000), T0 + 1_000, 101);
    const reservation = reserveToken(bucket, T0);
    expect(reservation.bucket.atMs).toBe(T0 + 1_000);
    expect(reservation.startMs - T0).toBeCloseTo(1_400, 9);
    expect(reservation.waitMs).toBeCloseTo(1_400, 9);
  });

  it('takes a refunded token back (and never beyond its capacity)', () => {
    const { bucket } = reserveMany(createTokenBucket(EC2, T0), T0, 102);
    expect(refundToken(bucket, T0).tokens).toBe(-1);
    expect(refundToken(createTokenBucket(EC2, T0), T0).tokens).toBe(100);
  });

  it('on a throttle drains to zero (keeping queued debt), halves its rate and regains it linearly', () => {
    const full = createTokenBucket(EC2, T0);
    const throttled = tokenBucketThrottled(full, T0);
    expect(throttled.tokens).toBe(0);
    expect(throttled.share).toBe(0.5);
    expect(tokenRefillRate(throttled, T0)).toBe(2.5);
    expect(tokenRefillRate(throttled, T0 + 2_000)).toBeCloseTo(3.5, 9);
    expect(tokenRefillRate(throttled, T0 + 5_000)).toBe(5);
    expect(tokenRefillRate(throttled, T0 + 60_000)).toBe(5);
    // The first token after the throttle: 5·∫(0.5 + 0.1t)dt = 1 → t = (√0.29 − 0.5)/0.1 s.
    expect(reserveToken(throttled, T0).waitMs).toBeCloseTo((Math.sqrt(0.29) - 0.5) * 10_000, 3);
    // Refill over the ramp: 5·(0.5·5 + 0.05·25) = 18.75 tokens in the first 5 s, then 5 per second.
    expect(tokenBucketAt(throttled, T0 + 5_000).tokens).toBeCloseTo(18.75, 9);
    expect(tokenBucketAt(throttled, T0 + 6_000).tokens).toBeCloseTo(23.75, 9);
    // Debt (queued callers) survives a throttle.
    const queued = reserveMany(full, T0, 104).bucket;
    expect(tokenBucketThrottled(queued, T0).tokens).toBe(-4);
  });

  it('slows down once per cooldown, never below its minimum share', () => {
    let bucket = tokenBucketThrottled(createTokenBucket(EC2, T0), T0);
    bucket = tokenBucketThrottled(bucket, T0 + 999);
    expect(bucket.share).toBeCloseTo(0.5 + 0.0999, 9);
    bucket = tokenBucketThrottled(bucket, T0 + 1_000);
    expect(bucket.share).toBeCloseTo((0.5 + 0.1) / 2, 9);
    // Throttled every second, it settles where the slowdown and a second's recovery balance: the minimum share.
    for (let i = 2; i < 40; i++) bucket = tokenBucketThrottled(bucket, T0 + i * 1_000);
    expect(bucket.share).toBeCloseTo(0.1, 9);
    let fixed = createTokenBucket({ ...EC2, reaction: { recoveryPerSecond: 0, minShare: 0.2 } }, T0);
    for (let i = 0; i < 10; i++) fixed = tokenBucketThrottled(fixed, T0 + i * 1_000);
    expect(fixed.share).toBe(0.2);
    const custom = tokenBucketThrottled(
      createTokenBucket({ ...EC2, reaction: { slowdown: 0.8, recoveryPerSecond: 0, cooldownMs: 0 } }, T0),
      T0,
    );
    expect(custom.share).toBe(0.8);
    expect(tokenRefillRate(custom, T0 + 3_600_000)).toBe(4);
  });

  it('refuses settings that make no sense', () => {
    expect(() => createTokenBucket({ capacity: 0, refillPerSecond: 5 }, T0)).toThrow(RangeError);
    expect(createTokenBucket({ capacity: 0.5, refillPerSecond: 5 }, T0).tokens).toBe(0.5);
    expect(() => createTokenBucket({ capacity: 10, refillPerSecond: 0 }, T0)).toThrow(RangeError);
    expect(() => createTokenBucket({ ...EC2, reaction: { slowdown: 0 } }, T0)).toThrow(RangeError);
    expect(() => createTokenBucket({ ...EC2, reaction: { minShare: 2 } }, T0)).toThrow(RangeError);
    expect(() => createTokenBucket(EC2, Number.NaN)).toThrow(RangeError);
  });

  type Step = { readonly dt: number; readonly action: 'reserve' | 'throttle' | 'refund' };
  const step: fc.Arbitrary<Step> = fc.record({
    dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3_000 })),
    action: fc.constantFrom<Step['action']>('reserve', 'reserve', 'reserve', 'reserve', 'throttle', 'refund'),
  });

  it('property: reservations start in order, never before they were asked, never beyond capacity + rate × window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.double({ min: 0.2, max: 80, noNaN: true }),
        fc.array(step, { maxLength: 400 }),
        (capacity, refillPerSecond, steps) => {
          let bucket = createTokenBucket({ capacity, refillPerSecond }, T0);
          let nowMs = T0;
          const starts: number[] = [];
          for (const { dt, action } of steps) {
            nowMs += dt;
            if (action === 'throttle') {
              bucket = tokenBucketThrottled(bucket, nowMs);
            } else {
              const reservation = reserveToken(bucket, nowMs);
              expect(reservation.startMs).toBeGreaterThanOrEqual(nowMs);
              if (starts.length > 0) expect(reservation.startMs).toBeGreaterThanOrEqual(starts.at(-1) as number);
              if (action === 'refund') {
                // Reserved, then given back unused: it never happened.
                bucket = refundToken(reservation.bucket, nowMs);
              } else {
                bucket = reservation.bucket;
                starts.push(reservation.startMs);
              }
            }
            expect(bucket.tokens).toBeLessThanOrEqual(capacity);
          }
          // 1e-4: the float resolution of epoch milliseconds (~2.4e-4 ms) times the rate.
          expect(worstWindowExcess(starts, capacity, refillPerSecond)).toBeLessThanOrEqual(1e-4);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: without throttles, a caller that waits as told finds its token there', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.double({ min: 0.2, max: 80, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 300 }),
        (capacity, refillPerSecond, gaps) => {
          let bucket = createTokenBucket({ capacity, refillPerSecond }, T0);
          let nowMs = T0;
          for (const gap of gaps) {
            nowMs += gap;
            const reservation = reserveToken(bucket, nowMs);
            bucket = reservation.bucket;
            // At its start the reserved token exists: the bucket is out of debt up to this reservation (up to the
            // float resolution of epoch milliseconds, ~2.4e-4 ms; the pacer rounds starts up to whole ms).
            expect(tokenBucketAt(bucket, reservation.startMs).tokens).toBeGreaterThanOrEqual(-1e-4);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
