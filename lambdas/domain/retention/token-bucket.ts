/**
 * A client-side token bucket that mirrors a provider's request bucket, so a caller paces itself instead of being
 * throttled. The case it is built for: EC2 CreateSnapshot / DeleteSnapshot / CreateVolume share one bucket per
 * account and region (capacity 100, refilled at 5 per second; DESIGN.md §8), and the retention pruner deletes
 * thousands of snapshots through it.
 *
 * Pure: time is a parameter (epoch ms), every function returns a new bucket and never changes its input.
 *
 * Reservations. `reserveToken` always takes a token, even one that has not been refilled yet: the bucket's tokens go
 * negative (a debt) and the caller is told when its token exists (`startMs`). The next caller queues behind it, so
 * concurrent callers are served in the order they reserved, never more than `capacity + rate × window` in any
 * window. A caller that gives up on a reservation hands it back with `refundToken`.
 *
 * Throttles. A throttle means the account's real bucket was emptier than ours: someone else uses it (snapshot
 * backups, an operator's script), or our settings overstate it. `tokenBucketThrottled` then
 * 1. drains ours to zero at that instant (the provider just said it has nothing; debt already queued stays), and
 * 2. slows the refill to `slowdown` × its current share of the configured rate (AIMD's multiplicative decrease),
 *    never below `minShare`; throttles within `cooldownMs` of the last slowdown only drain (they are the calls that
 *    were already in flight when we reacted, not new evidence);
 * 3. after that the share grows back linearly, `recoveryPerSecond` of the configured rate per second, until it is
 *    the configured rate again (defaults: halve, then back to full in 5 s).
 * With only us on the account and our settings equal to its own, we never overrun it and this never happens. With a
 * competitor taking a steady share, our rate saws between half and full of what is left, leaving the competitor room.
 */

export interface ThrottleReaction {
  /** Factor applied to the current share of the configured rate on a throttle, in (0, 1]. Default 0.5. */
  readonly slowdown: number;
  /** The share never drops below this, in (0, 1]. Default 0.1. */
  readonly minShare: number;
  /** Share of the configured rate regained per second after a slowdown (≥ 0). Default 0.1. */
  readonly recoveryPerSecond: number;
  /** Throttles within this many ms after a slowdown drain but do not slow down again. Default 1,000. */
  readonly cooldownMs: number;
}

export const DEFAULT_THROTTLE_REACTION: ThrottleReaction = {
  slowdown: 0.5,
  minShare: 0.1,
  recoveryPerSecond: 0.1,
  cooldownMs: 1_000,
};

export interface TokenBucketSettings {
  /** Tokens the bucket holds when full: the burst (> 0; fractional is fine). */
  readonly capacity: number;
  /** Tokens refilled per second when not slowed down. */
  readonly refillPerSecond: number;
  readonly reaction?: Partial<ThrottleReaction>;
}

export interface TokenBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
  readonly reaction: ThrottleReaction;
  /** Tokens at `atMs`; negative when tokens are reserved ahead (callers queued). At most `capacity`. */
  readonly tokens: number;
  /** The instant `tokens` and `share` describe (epoch ms); never goes back. */
  readonly atMs: number;
  /** Share of `refillPerSecond` in force at `atMs`: 1, or less while recovering from a throttle. */
  readonly share: number;
  /** The last slowdown, for the cooldown; undefined before the first. */
  readonly slowedAtMs?: number;
}

export interface TokenReservation {
  readonly bucket: TokenBucket;
  /** When the reserved token exists (epoch ms, fractional); `nowMs` or later. */
  readonly startMs: number;
  /** `startMs − nowMs`: how long the caller waits before its call. */
  readonly waitMs: number;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new RangeError(message);
}

/** A full bucket at `nowMs`. */
export function createTokenBucket(settings: TokenBucketSettings, nowMs: number): TokenBucket {
  const reaction = { ...DEFAULT_THROTTLE_REACTION, ...settings.reaction };
  check(Number.isFinite(settings.capacity) && settings.capacity > 0, 'capacity must be a number > 0');
  check(Number.isFinite(settings.refillPerSecond) && settings.refillPerSecond > 0, 'refillPerSecond must be > 0');
  check(reaction.slowdown > 0 && reaction.slowdown <= 1, 'slowdown must be in (0, 1]');
  check(reaction.minShare > 0 && reaction.minShare <= 1, 'minShare must be in (0, 1]');
  check(Number.isFinite(reaction.recoveryPerSecond) && reaction.recoveryPerSecond >= 0, 'recoveryPerSecond ≥ 0');
  check(Number.isFinite(reaction.cooldownMs) && reaction.cooldownMs >= 0, 'cooldownMs must be ≥ 0');
  check(Number.isFinite(nowMs), 'nowMs must be a finite number');
  return {
    capacity: settings.capacity,
    refillPerSecond: settings.refillPerSecond,
    reaction,
    tokens: settings.capacity,
    atMs: nowMs,
    share: 1,
  };
}

/** Seconds until a share recovering at `r` per second reaches 1. */
function secondsToFull(share: number, r: number): number {
  if (share >= 1) return 0;
  return r > 0 ? (1 - share) / r : Number.POSITIVE_INFINITY;
}

/** ∫ share dt over `seconds` from a share of `share` (linear recovery, then 1). */
function shareIntegral(share: number, r: number, seconds: number): number {
  const ramp = Math.min(seconds, secondsToFull(share, r));
  return share * ramp + (r * ramp * ramp) / 2 + (seconds - ramp);
}

/** The seconds τ after which ∫ share dt over τ equals `amount` (the inverse of shareIntegral). */
function secondsForIntegral(share: number, r: number, amount: number): number {
  if (amount <= 0) return 0;
  const rampSeconds = secondsToFull(share, r);
  if (Number.isFinite(rampSeconds)) {
    const rampIntegral = shareIntegral(share, r, rampSeconds);
    if (amount >= rampIntegral) return rampSeconds + (amount - rampIntegral);
  }
  if (r === 0) return amount / share;
  // (r/2)τ² + share·τ − amount = 0, in the form that stays exact for small r.
  return (2 * amount) / (share + Math.sqrt(share * share + 2 * r * amount));
}

/** The bucket as it is at `nowMs` (refilled, share recovered). A `nowMs` before `atMs` (a clock step back) is `atMs`. */
export function tokenBucketAt(bucket: TokenBucket, nowMs: number): TokenBucket {
  if (!(nowMs > bucket.atMs)) return bucket;
  const seconds = (nowMs - bucket.atMs) / 1000;
  const r = bucket.reaction.recoveryPerSecond;
  const refilled = bucket.refillPerSecond * shareIntegral(bucket.share, r, seconds);
  return {
    ...bucket,
    tokens: Math.min(bucket.capacity, bucket.tokens + refilled),
    atMs: nowMs,
    share: Math.min(1, bucket.share + r * seconds),
  };
}

/** Takes one token at `nowMs`, now or ahead of its refill; says when it exists. */
export function reserveToken(bucket: TokenBucket, nowMs: number): TokenReservation {
  const current = tokenBucketAt(bucket, nowMs);
  const tokens = current.tokens - 1;
  const debt = -tokens;
  const seconds = secondsForIntegral(current.share, current.reaction.recoveryPerSecond, debt / current.refillPerSecond);
  const startMs = current.atMs + seconds * 1000;
  return { bucket: { ...current, tokens }, startMs, waitMs: Math.max(0, startMs - nowMs) };
}

/** How long a reservation at `nowMs` would wait, without taking it. */
export function tokenWaitMs(bucket: TokenBucket, nowMs: number): number {
  return reserveToken(bucket, nowMs).waitMs;
}

/** Hands back a reserved token that was not used (the caller gave up before calling). */
export function refundToken(bucket: TokenBucket, nowMs: number): TokenBucket {
  const current = tokenBucketAt(bucket, nowMs);
  return { ...current, tokens: Math.min(current.capacity, current.tokens + 1) };
}

/** The provider throttled a call at `nowMs`: drain, and slow down unless within the cooldown (see the module doc). */
export function tokenBucketThrottled(bucket: TokenBucket, nowMs: number): TokenBucket {
  const current = tokenBucketAt(bucket, nowMs);
  const drained = { ...current, tokens: Math.min(current.tokens, 0) };
  const { slowedAtMs, reaction } = current;
  if (slowedAtMs !== undefined && current.atMs - slowedAtMs < reaction.cooldownMs) return drained;
  return {
    ...drained,
    share: Math.max(reaction.minShare, current.share * reaction.slowdown),
    slowedAtMs: current.atMs,
  };
}

/** Tokens per second the bucket refills at `nowMs`. */
export function tokenRefillRate(bucket: TokenBucket, nowMs: number): number {
  const current = tokenBucketAt(bucket, nowMs);
  return current.refillPerSecond * current.share;
}
