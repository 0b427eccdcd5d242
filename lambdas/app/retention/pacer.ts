/**
 * Self-pacing calls against a provider's request bucket (lambdas/domain/retention/token-bucket.ts). One Pacer per
 * provider bucket: for EC2 that is one per account and region, shared by every caller in the process that spends
 * the same tokens (DeleteSnapshot here; CreateSnapshot and CreateVolume spend them too).
 *
 * `run(fn)`: reserve a token, sleep until it exists, call. On SnapshotThrottledError: tell the bucket (it drains and
 * slows down), back off with full jitter (random × min(maxBackoffMs, baseBackoffMs × 2^(retry−1))), reserve again;
 * after `maxRetries` retries the throttle is rethrown. Any other error is rethrown at once (EC2 counts it as a
 * request all the same, so its token stays spent).
 *
 * Headroom. The provider counts a call when it arrives, some time after we started it, and that time varies: a call
 * that travels slower than the next one, or one that reaches a full bucket late, costs the provider refill our bucket
 * counted. So the pacer's bucket holds `refillPerSecond × (jitterMs + 1) / 1000` tokens less than `capacity` (the
 * 1 ms: starts are rounded up to whole ms), but never less than 1 token. Then no window of arrivals exceeds the
 * provider's `capacity + rate × window` as long as arrival delays differ by less than `jitterMs` (or, where the
 * floor of 1 token cuts the headroom, by less than what is left of it). At 5/s and 100 ms that is half a token: 0.1 s
 * over a whole run.
 */
import { SnapshotThrottledError } from '../../domain/errors';
import {
  createTokenBucket,
  refundToken,
  reserveToken,
  type ThrottleReaction,
  type TokenBucket,
  tokenBucketThrottled,
  tokenRefillRate,
} from '../../domain/retention/token-bucket';
import type { Clock, Sleeper } from '../../ports/runtime';

/** EC2's CreateSnapshot / DeleteSnapshot / CreateVolume bucket per account and region (DESIGN.md §8). */
export const EC2_SNAPSHOT_BUCKET = { capacity: 100, refillPerSecond: 5 } as const;

export interface PacerSettings {
  /** Burst: the bucket's capacity. Default 100 (EC2_SNAPSHOT_BUCKET). */
  readonly capacity: number;
  /** Calls per second once the burst is spent. Default 5 (EC2_SNAPSHOT_BUCKET). */
  readonly refillPerSecond: number;
  /** Retries of a throttled call before its throttle is rethrown. Default 8. */
  readonly maxRetries: number;
  /** Full-jitter backoff after a throttle: random × min(maxBackoffMs, baseBackoffMs × 2^(retry−1)). Default 250. */
  readonly baseBackoffMs: number;
  /** Default 10,000. */
  readonly maxBackoffMs: number;
  /** Spread of the delay between our call and the provider counting it (see Headroom). Default 100. */
  readonly jitterMs: number;
  /** How the bucket reacts to a throttle (defaults: DEFAULT_THROTTLE_REACTION). */
  readonly reaction?: Partial<ThrottleReaction>;
}

export const DEFAULT_PACER_SETTINGS: PacerSettings = {
  ...EC2_SNAPSHOT_BUCKET,
  maxRetries: 8,
  baseBackoffMs: 250,
  maxBackoffMs: 10_000,
  jitterMs: 100,
};

export interface PacerDeps {
  readonly clock: Clock;
  readonly sleeper: Sleeper;
  /** Uniform in [0, 1), for the backoff's jitter. Default Math.random. */
  readonly random?: () => number;
}

export interface PacerStats {
  /** Calls made (attempts, throttled ones included). */
  readonly calls: number;
  /** Calls that ended in SnapshotThrottledError. */
  readonly throttles: number;
  /** Throttled calls tried again. */
  readonly retries: number;
  /** Throttles rethrown: retries used up, or the next attempt would start after `notAfter`. */
  readonly gaveUp: number;
  /** Runs refused before their first call because it would start after `notAfter`. */
  readonly refused: number;
  /** Time slept waiting for tokens. */
  readonly waitedMs: number;
  /** Time slept backing off after throttles. */
  readonly backoffMs: number;
}

export interface RunOptions {
  /** Do not start a call after this instant (a Date or epoch ms); see PacerDeadlineError. */
  readonly notAfter?: Date | number;
}

/**
 * `run` did not call `fn` at all: its token would only exist after `notAfter`. Nothing happened at the provider.
 * (A retry that would start too late rethrows the throttle instead: the first call was made.)
 */
export class PacerDeadlineError extends Error {
  override readonly name = 'PacerDeadlineError';
  constructor(
    readonly notAfterMs: number,
    readonly startMs: number,
  ) {
    super(
      `not started: the next token exists at ${new Date(startMs).toISOString()}, after ${new Date(notAfterMs).toISOString()}`,
    );
  }
}

const toMs = (instant: Date | number): number => (typeof instant === 'number' ? instant : instant.getTime());

export class Pacer {
  private bucket: TokenBucket;
  private readonly settings: PacerSettings;
  private readonly random: () => number;
  private counts = { calls: 0, throttles: 0, retries: 0, gaveUp: 0, refused: 0, waitedMs: 0, backoffMs: 0 };

  constructor(
    private readonly deps: PacerDeps,
    settings: Partial<PacerSettings> = {},
  ) {
    this.settings = { ...DEFAULT_PACER_SETTINGS, ...settings };
    const { capacity, refillPerSecond, maxRetries, baseBackoffMs, maxBackoffMs, jitterMs } = this.settings;
    if (!(Number.isInteger(maxRetries) && maxRetries >= 0)) throw new RangeError('maxRetries must be an integer ≥ 0');
    if (!(baseBackoffMs >= 0 && maxBackoffMs >= 0 && jitterMs >= 0)) throw new RangeError('times must be ≥ 0');
    const headroom = (refillPerSecond * (jitterMs + 1)) / 1000;
    this.random = deps.random ?? Math.random;
    this.bucket = createTokenBucket(
      {
        capacity: Math.max(Math.min(capacity, 1), capacity - headroom),
        refillPerSecond,
        ...(this.settings.reaction === undefined ? {} : { reaction: this.settings.reaction }),
      },
      this.nowMs(),
    );
  }

  /** Counters since construction (a copy). */
  stats(): PacerStats {
    return { ...this.counts };
  }

  /** Calls per second the pacer allows right now (lower than configured while recovering from a throttle). */
  rate(): number {
    return tokenRefillRate(this.bucket, this.nowMs());
  }

  async run<T>(fn: () => Promise<T>, options: RunOptions = {}): Promise<T> {
    const notAfterMs = options.notAfter === undefined ? Number.POSITIVE_INFINITY : toMs(options.notAfter);
    let retry = 0;
    let lastThrottle: unknown;
    for (;;) {
      const nowMs = this.nowMs();
      const reservation = reserveToken(this.bucket, nowMs);
      // Whole milliseconds, never early: clocks and sleepers work in ms.
      const startMs = Math.ceil(reservation.startMs);
      if (startMs > notAfterMs) return this.giveUp(retry, lastThrottle, notAfterMs, startMs);
      this.bucket = reservation.bucket;
      await this.sleepUntil(startMs, 'waitedMs');
      const calledMs = this.nowMs();
      if (calledMs > notAfterMs) {
        this.bucket = refundToken(this.bucket, calledMs);
        return this.giveUp(retry, lastThrottle, notAfterMs, calledMs);
      }
      this.counts.calls += 1;
      try {
        return await fn();
      } catch (error) {
        if (!(error instanceof SnapshotThrottledError)) throw error;
        this.counts.throttles += 1;
        this.bucket = tokenBucketThrottled(this.bucket, this.nowMs());
        if (retry >= this.settings.maxRetries) {
          this.counts.gaveUp += 1;
          throw error;
        }
        lastThrottle = error;
        retry += 1;
        const ceiling = Math.min(this.settings.maxBackoffMs, this.settings.baseBackoffMs * 2 ** (retry - 1));
        const backoffMs = Math.floor(this.random() * ceiling);
        if (this.nowMs() + backoffMs > notAfterMs) return this.giveUp(retry, error, notAfterMs, this.nowMs());
        this.counts.retries += 1;
        await this.sleepUntil(this.nowMs() + backoffMs, 'backoffMs');
      }
    }
  }

  /** Before the first call: PacerDeadlineError. After a throttled call: that throttle. */
  private giveUp(retry: number, lastThrottle: unknown, notAfterMs: number, startMs: number): never {
    if (retry === 0 || lastThrottle === undefined) {
      this.counts.refused += 1;
      throw new PacerDeadlineError(notAfterMs, startMs);
    }
    this.counts.gaveUp += 1;
    throw lastThrottle;
  }

  /** Sleeps until the clock reads `untilMs` (again if a sleeper wakes early). */
  private async sleepUntil(untilMs: number, counter: 'waitedMs' | 'backoffMs'): Promise<void> {
    for (let nowMs = this.nowMs(); nowMs < untilMs; nowMs = this.nowMs()) {
      const ms = untilMs - nowMs;
      await this.deps.sleeper.sleep(ms);
      this.counts[counter] += ms;
    }
  }

  private nowMs(): number {
    return this.deps.clock.now().getTime();
  }
}

export interface PacedEachOptions {
  /**
   * Paces each item's call: `pacer.run(() => fn(item), {notAfter: deadline})`. Omit it when `fn` paces its own
   * calls (then pass the deadline to them as `notAfter`; a PacerDeadlineError out of `fn` counts as not started).
   */
  readonly pacer?: Pacer;
  /** Items in flight at most (sleeping for a token counts). */
  readonly concurrency: number;
  /** No item starts after this instant (a Date or epoch ms). */
  readonly deadline?: Date | number;
  readonly clock: Clock;
}

export interface PacedEachResult<T, R> {
  /** In input order. */
  readonly done: readonly { readonly item: T; readonly result: R }[];
  /** `fn` threw (or its throttle outlived the retries or the deadline; a throttled call changed nothing). */
  readonly failed: readonly { readonly item: T; readonly error: unknown }[];
  /** Never called, because the deadline came first: safe to hand to the next run. */
  readonly notStarted: readonly T[];
}

/**
 * Runs `fn` over `items` with at most `concurrency` in flight, in input order of starting, and starts none after the
 * deadline. Every item ends in exactly one of done, failed, notStarted; one failure does not stop the others.
 */
export async function pacedEach<T, R>(
  items: readonly T[],
  fn: (item: T) => Promise<R>,
  options: PacedEachOptions,
): Promise<PacedEachResult<T, R>> {
  const { pacer, concurrency, clock } = options;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError('concurrency must be an integer ≥ 1');
  const deadlineMs = options.deadline === undefined ? Number.POSITIVE_INFINITY : toMs(options.deadline);
  type Outcome = { kind: 'done'; result: R } | { kind: 'failed'; error: unknown } | { kind: 'notStarted' };
  const outcomes: (Outcome | undefined)[] = new Array(items.length);
  let next = 0;
  let stopped = false;

  const worker = async (): Promise<void> => {
    while (!stopped && next < items.length) {
      if (clock.now().getTime() > deadlineMs) {
        stopped = true;
        break;
      }
      const index = next++;
      const item = items[index] as T;
      try {
        const result = pacer ? await pacer.run(() => fn(item), { notAfter: deadlineMs }) : await fn(item);
        outcomes[index] = { kind: 'done', result };
      } catch (error) {
        if (error instanceof PacerDeadlineError) {
          // Tokens only get later: no later item would start in time either.
          stopped = true;
          outcomes[index] = { kind: 'notStarted' };
        } else {
          outcomes[index] = { kind: 'failed', error };
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));

  const done: { item: T; result: R }[] = [];
  const failed: { item: T; error: unknown }[] = [];
  const notStarted: T[] = [];
  items.forEach((item, index) => {
    const outcome = outcomes[index];
    if (outcome?.kind === 'done') done.push({ item, result: outcome.result });
    else if (outcome?.kind === 'failed') failed.push({ item, error: outcome.error });
    else notStarted.push(item);
  });
  return { done, failed, notStarted };
}
