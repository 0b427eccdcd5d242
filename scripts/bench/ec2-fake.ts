/**
 * An in-process fake of EC2 DeleteSnapshot under the account's request token bucket (DESIGN.md §8: capacity 100,
 * refilled at 5 per second, shared by CreateSnapshot / DeleteSnapshot / CreateVolume per account and region), for
 * `npm run bench:prune` (real time) and test/unit/pacer.test.ts (virtual time): both pass their clock and sleeper.
 *
 * A call travels to the endpoint (`requestMs`, uniform in the range), takes a token there or is refused with
 * SnapshotThrottledError (RequestLimitExceeded, as the adapters map it; a refused call takes no token), and the
 * answer travels back (`responseMs`). The bucket is written here independently of the pacer's, on purpose: it is
 * the referee. `take` lets a test or benchmark play another consumer of the same account.
 */
import { SnapshotThrottledError } from '../../lambdas/domain/errors';
import type { Clock, Sleeper } from '../../lambdas/ports/runtime';

export interface FakeEc2Options {
  readonly clock: Clock;
  readonly sleeper: Sleeper;
  /** Uniform in [0, 1), for the latencies. */
  readonly random: () => number;
  readonly capacity?: number;
  readonly refillPerSecond?: number;
  /** [min, max] ms from the caller to the bucket. Default [1, 4]. */
  readonly requestMs?: readonly [number, number];
  /** [min, max] ms from the bucket back to the caller. Default [15, 45]. */
  readonly responseMs?: readonly [number, number];
}

export class FakeEc2Account {
  readonly capacity: number;
  readonly refillPerSecond: number;
  private tokens: number;
  private atMs: number;
  /** When each accepted DeleteSnapshot took its token (epoch ms), in order. */
  readonly acceptedAt: number[] = [];
  /** When each refused DeleteSnapshot reached the bucket. */
  readonly throttledAt: number[] = [];
  /** Successful deletions per snapshot id. */
  readonly deletions = new Map<string, number>();
  /** Tokens taken by `take` (the other consumer). */
  taken = 0;

  constructor(private readonly options: FakeEc2Options) {
    this.capacity = options.capacity ?? 100;
    this.refillPerSecond = options.refillPerSecond ?? 5;
    this.tokens = this.capacity;
    this.atMs = options.clock.now().getTime();
  }

  /** Tokens in the account's bucket now. */
  available(): number {
    const nowMs = this.options.clock.now().getTime();
    if (nowMs > this.atMs) {
      this.tokens = Math.min(this.capacity, this.tokens + ((nowMs - this.atMs) * this.refillPerSecond) / 1000);
      this.atMs = nowMs;
    }
    return this.tokens;
  }

  /** Another consumer takes up to `count` whole tokens now; returns how many it got. */
  take(count: number): number {
    const got = Math.max(0, Math.min(count, Math.floor(this.available() + 1e-9)));
    this.tokens -= got;
    this.taken += got;
    return got;
  }

  async deleteSnapshot(snapshotId: string): Promise<'deleted' | 'gone'> {
    await this.latency(this.options.requestMs ?? [1, 4]);
    // 1e-9: floating-point slack for a token refilled exactly now.
    const accepted = this.available() >= 1 - 1e-9;
    const nowMs = this.options.clock.now().getTime();
    if (accepted) {
      this.tokens -= 1;
      this.acceptedAt.push(nowMs);
    } else {
      this.throttledAt.push(nowMs);
    }
    const before = this.deletions.get(snapshotId) ?? 0;
    if (accepted) this.deletions.set(snapshotId, before + 1);
    await this.latency(this.options.responseMs ?? [15, 45]);
    if (!accepted) throw new SnapshotThrottledError('Request limit exceeded. (RequestLimitExceeded)');
    return before === 0 ? 'deleted' : 'gone';
  }

  private async latency([min, max]: readonly [number, number]): Promise<void> {
    const ms = Math.round(min + this.options.random() * (max - min));
    if (ms > 0) await this.options.sleeper.sleep(ms);
  }
}

/** A small seeded PRNG (uniform in [0, 1)), so runs differ only by the machine's timing. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The largest number of accepted calls in any window [a, b] of `times` (sorted) beyond `capacity + rate × (b − a)`:
 * ≤ 0 when a bucket of that capacity and rate could have accepted them all.
 */
export function worstWindowExcess(times: readonly number[], capacity: number, refillPerSecond: number): number {
  // excess(i, j) = (j − i + 1) − capacity − rate·(t_j − t_i): keep the best (rate·t_i − i) seen so far.
  let worst = Number.NEGATIVE_INFINITY;
  let best = Number.NEGATIVE_INFINITY;
  const origin = times[0] ?? 0;
  times.forEach((time, j) => {
    const t = time - origin;
    best = Math.max(best, (refillPerSecond * t) / 1000 - j);
    worst = Math.max(worst, j + 1 - capacity - (refillPerSecond * t) / 1000 + best);
  });
  return worst;
}
