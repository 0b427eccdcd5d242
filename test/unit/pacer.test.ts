import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type PacedEachResult,
  Pacer,
  PacerDeadlineError,
  type PacerSettings,
  pacedEach,
} from '../../lambdas/app/retention/pacer';
import { SnapshotThrottledError, VaultError } from '../../lambdas/domain/errors';
import type { Clock, Sleeper } from '../../lambdas/ports/runtime';
import { FakeEc2Account, mulberry32, worstWindowExcess } from '../../scripts/bench/ec2-fake';

const T0 = Date.parse('2026-11-20T03:00:00Z');

/**
 * Virtual time: `sleep` parks the caller on a timer; `run` lets every runnable promise chain finish (one macrotask
 * turn), then jumps the clock to the earliest timer and wakes it, until the work settles. Nothing really waits.
 */
class VirtualTime implements Clock, Sleeper {
  private nowMs = T0;
  private seq = 0;
  private timers: { at: number; seq: number; wake: () => void }[] = [];

  now(): Date {
    return new Date(this.nowMs);
  }

  get ms(): number {
    return this.nowMs;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => {
      this.timers.push({ at: this.nowMs + Math.max(0, Math.ceil(ms)), seq: this.seq++, wake });
    });
  }

  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    work.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return work;
      if (this.timers.length === 0) throw new Error('deadlock: the work waits on nothing');
      let first = 0;
      this.timers.forEach((timer, i) => {
        const best = this.timers[first] as (typeof this.timers)[number];
        if (timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) first = i;
      });
      const [timer] = this.timers.splice(first, 1);
      if (!timer) throw new Error('unreachable');
      this.nowMs = Math.max(this.nowMs, timer.at);
      timer.wake();
    }
  }
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `snap-${String(i).padStart(17, '0')}`);

interface World {
  readonly time: VirtualTime;
  readonly account: FakeEc2Account;
  readonly pacer: Pacer;
  /** When the pacer called DeleteSnapshot (before the request latency), in order. */
  readonly callStarts: number[];
  readonly inFlight: { now: number; max: number };
  readonly deleteSnapshot: (id: string) => Promise<'deleted' | 'gone'>;
}

function world(
  options: {
    account?: { capacity: number; refillPerSecond: number };
    pacer?: Partial<PacerSettings>;
    seed?: number;
    requestMs?: readonly [number, number];
    responseMs?: readonly [number, number];
  } = {},
): World {
  const time = new VirtualTime();
  const random = mulberry32(options.seed ?? 7);
  const account = new FakeEc2Account({
    clock: time,
    sleeper: time,
    random,
    capacity: options.account?.capacity ?? 100,
    refillPerSecond: options.account?.refillPerSecond ?? 5,
    ...(options.requestMs ? { requestMs: options.requestMs } : {}),
    ...(options.responseMs ? { responseMs: options.responseMs } : {}),
  });
  const pacer = new Pacer({ clock: time, sleeper: time, random }, options.pacer);
  const callStarts: number[] = [];
  const inFlight = { now: 0, max: 0 };
  const deleteSnapshot = async (id: string) => {
    callStarts.push(time.ms);
    inFlight.now += 1;
    inFlight.max = Math.max(inFlight.max, inFlight.now);
    try {
      return await account.deleteSnapshot(id);
    } finally {
      inFlight.now -= 1;
    }
  };
  return { time, account, pacer, callStarts, inFlight, deleteSnapshot };
}

/** Every item in exactly one of done / failed / notStarted, and the input order kept in each. */
function expectPartition<T, R>(items: readonly T[], result: PacedEachResult<T, R>): void {
  const seen = [...result.done.map((d) => d.item), ...result.failed.map((f) => f.item), ...result.notStarted];
  expect([...seen].sort()).toEqual([...items].sort());
  for (const list of [result.done.map((d) => d.item), result.failed.map((f) => f.item), result.notStarted]) {
    expect(list).toEqual(items.filter((item) => list.includes(item)));
  }
}

describe('Pacer.run', () => {
  it('rethrows any error but a throttle at once, without retrying', async () => {
    const { time, pacer } = world();
    const failing = pacer.run(async () => {
      throw new VaultError('boom');
    });
    await expect(time.run(failing)).rejects.toThrow(VaultError);
    expect(pacer.stats()).toMatchObject({ calls: 1, throttles: 0, retries: 0 });
  });

  it('retries a throttle with full-jitter exponential backoff, then rethrows it after maxRetries', async () => {
    const time = new VirtualTime();
    const pacer = new Pacer(
      { clock: time, sleeper: time, random: () => 0.5 },
      { maxRetries: 4, baseBackoffMs: 100, maxBackoffMs: 500 },
    );
    const throttled = pacer.run(async () => {
      throw new SnapshotThrottledError('Request limit exceeded.');
    });
    await expect(time.run(throttled)).rejects.toThrow(SnapshotThrottledError);
    // Backoffs: 0.5 × min(500, 100·2^k) for k = 0..3 = 50 + 100 + 200 + 250.
    expect(pacer.stats()).toMatchObject({ calls: 5, throttles: 5, retries: 4, gaveUp: 1, backoffMs: 600 });
    // The bucket drained and slowed down: it allows less than 5 per second now.
    expect(pacer.rate()).toBeLessThan(5);
  });

  it('refuses to start after notAfter (PacerDeadlineError), and nothing is called', async () => {
    const { time, pacer } = world({ pacer: { capacity: 1, refillPerSecond: 1 } });
    let calls = 0;
    const call = async () => {
      calls += 1;
    };
    await time.run(pacer.run(call));
    const refused = pacer.run(call, { notAfter: new Date(T0 + 999) });
    await expect(time.run(refused)).rejects.toThrow(PacerDeadlineError);
    expect(calls).toBe(1);
    // The refusal took no token: the next call still starts at T0 + 1 s.
    await time.run(pacer.run(call, { notAfter: T0 + 1_000 }));
    expect(time.ms).toBe(T0 + 1_000);
    expect(pacer.stats()).toMatchObject({ calls: 2, refused: 1, waitedMs: 1_000 });
    // A refused retry rethrows the throttle: that call was made.
    const throttled = pacer.run(
      async () => {
        calls += 1;
        throw new SnapshotThrottledError('Request limit exceeded.');
      },
      { notAfter: T0 + 2_100 },
    );
    await expect(time.run(throttled)).rejects.toThrow(SnapshotThrottledError);
    expect(calls).toBe(3);
    expect(pacer.stats()).toMatchObject({ calls: 3, throttles: 1, gaveUp: 1, refused: 1 });
  });
});

describe('pacedEach with a pacer against the account bucket (virtual time)', () => {
  it('deletes 2,000 snapshots within 10 % of the (N − 100)/5 s floor, without a throttle, when set like the account', async () => {
    const { time, account, pacer, inFlight, deleteSnapshot } = world();
    const items = ids(2_000);
    const result = await time.run(pacedEach(items, deleteSnapshot, { pacer, concurrency: 4, clock: time }));
    const seconds = (time.ms - T0) / 1000;
    const floor = (2_000 - 100) / 5;
    expect(result.done).toHaveLength(2_000);
    expect(result.failed).toEqual([]);
    expect(result.notStarted).toEqual([]);
    expect(seconds).toBeGreaterThanOrEqual(floor);
    expect(seconds / floor).toBeLessThanOrEqual(1.1);
    expect(seconds - floor).toBeLessThan(1); // in fact: the floor plus the last call's latency
    expect(account.throttledAt).toEqual([]);
    expect(pacer.stats()).toMatchObject({ calls: 2_000, throttles: 0, retries: 0 });
    expect([...account.deletions.values()].every((count) => count === 1)).toBe(true);
    expect(account.deletions.size).toBe(2_000);
    expect(inFlight.max).toBeLessThanOrEqual(4);
  });

  it('at a lower configured rate never throttles and takes (N − burst)/rate', async () => {
    const { time, account, pacer, callStarts, deleteSnapshot } = world({
      pacer: { capacity: 20, refillPerSecond: 2 },
    });
    const items = ids(1_000);
    const result = await time.run(pacedEach(items, deleteSnapshot, { pacer, concurrency: 3, clock: time }));
    const seconds = (time.ms - T0) / 1000;
    const expected = (1_000 - 20) / 2;
    expect(result.done).toHaveLength(1_000);
    expect(account.throttledAt).toEqual([]);
    expect(seconds).toBeGreaterThanOrEqual(expected);
    expect(seconds / expected).toBeLessThan(1.01);
    // Our calls fit our own bucket, not just the account's.
    expect(worstWindowExcess(callStarts, 20, 2)).toBeLessThanOrEqual(1e-4);
  });

  it('when another consumer drains the account, retries the throttles and still deletes every snapshot exactly once', async () => {
    const { time, account, pacer, callStarts, deleteSnapshot } = world({ seed: 11 });
    // The other consumer: half the burst at the start, 2 calls/s from 60 s to 160 s, then 10 s of taking every
    // token the moment it exists (a blackout), then nothing.
    const other = async () => {
      account.take(50);
      await time.sleep(60_000);
      for (let i = 0; i < 200; i++) {
        account.take(1);
        await time.sleep(500);
      }
      await time.sleep(40_000);
      for (let i = 0; i < 1_000; i++) {
        account.take(100);
        await time.sleep(10);
      }
    };
    const items = ids(2_000);
    const [result] = await time.run(
      Promise.all([pacedEach(items, deleteSnapshot, { pacer, concurrency: 4, clock: time }), other()]),
    );
    const stats = pacer.stats();
    expect(stats.throttles).toBeGreaterThan(0);
    expect(stats.retries).toBeGreaterThan(0);
    expect(result.done).toHaveLength(2_000);
    expect(result.failed).toEqual([]);
    expect(account.deletions.size).toBe(2_000);
    expect([...account.deletions.values()].every((count) => count === 1)).toBe(true);
    expect(account.acceptedAt).toHaveLength(2_000);
    expect(stats.calls).toBe(2_000 + stats.throttles);
    // What was left for us: the account's tokens minus the other's. Throttles cost some time, not much.
    const floor = (2_000 + account.taken - 100) / 5;
    const seconds = (time.ms - T0) / 1000;
    expect(seconds / floor).toBeLessThan(1.25);
    // Even while throttled, our own calls never exceeded our bucket.
    expect(worstWindowExcess(callStarts, 100, 5)).toBeLessThanOrEqual(1e-4);
  });

  it('starts nothing after the deadline and hands back what it did not start', async () => {
    const { time, account, pacer, callStarts, deleteSnapshot } = world();
    const items = ids(2_000);
    const deadline = new Date(T0 + 100_000);
    const result = await time.run(pacedEach(items, deleteSnapshot, { pacer, concurrency: 4, clock: time, deadline }));
    expect(Math.max(...callStarts)).toBeLessThanOrEqual(deadline.getTime());
    // The burst, then 5 per second for 100 s: 600, less the pacer's headroom (half a token at 5/s, 100 ms).
    expect(result.done.length).toBeGreaterThanOrEqual(599);
    expect(result.done.length).toBeLessThanOrEqual(600);
    expect(result.failed).toEqual([]);
    expect(result.notStarted).toHaveLength(2_000 - result.done.length);
    expectPartition(items, result);
    for (const item of result.notStarted) expect(account.deletions.has(item)).toBe(false);
    // It returns as soon as the calls in flight are back, not when a queued token would have come.
    expect(time.ms - deadline.getTime()).toBeLessThan(100);
    expect(pacer.stats().refused).toBeGreaterThan(0);
  });

  it('starts nothing when the deadline has passed', async () => {
    const { time, pacer, callStarts, deleteSnapshot } = world();
    const items = ids(10);
    const result = await time.run(
      pacedEach(items, deleteSnapshot, { pacer, concurrency: 4, clock: time, deadline: T0 - 1 }),
    );
    expect(result.notStarted).toEqual(items);
    expect(callStarts).toEqual([]);
  });

  it('reports failures per item and goes on with the others', async () => {
    const { time, pacer, deleteSnapshot } = world();
    const items = ids(20);
    const result = await time.run(
      pacedEach(
        items,
        async (id) => {
          if (items.indexOf(id) % 5 === 0) throw new VaultError(`cannot delete ${id}`);
          return deleteSnapshot(id);
        },
        { pacer, concurrency: 3, clock: time },
      ),
    );
    expect(result.failed.map((f) => f.item)).toEqual([items[0], items[5], items[10], items[15]]);
    expect(result.failed.every((f) => f.error instanceof VaultError)).toBe(true);
    expect(result.done.map((d) => d.result)).toEqual(Array(16).fill('deleted'));
    expectPartition(items, result);
  });

  it('without a pacer bounds concurrency and the deadline only; a PacerDeadlineError from fn means not started', async () => {
    const time = new VirtualTime();
    const items = ids(30);
    let inFlight = 0;
    let maxInFlight = 0;
    const result = await time.run(
      pacedEach(
        items,
        async (id) => {
          if (id === items[20]) throw new PacerDeadlineError(T0, T0 + 1);
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await time.sleep(1_000);
          inFlight -= 1;
          return id;
        },
        { concurrency: 5, clock: time, deadline: T0 + 2_500 },
      ),
    );
    expect(maxInFlight).toBe(5);
    // Started at 0, 1 and 2 s (5 each); at 3 s the deadline has passed.
    expect(result.done).toHaveLength(15);
    expect(result.notStarted).toHaveLength(15);
    expectPartition(items, result);
    await expect(pacedEach(items, async () => 1, { concurrency: 0, clock: time })).rejects.toThrow(RangeError);
  });
});

describe('pacedEach properties (virtual time)', () => {
  // Capacity ≥ 2: a 1-token bucket leaves the pacer no headroom for the request latency's jitter (see pacer.ts).
  const scenario = fc.record({
    capacity: fc.integer({ min: 2, max: 100 }),
    refillPerSecond: fc.double({ min: 0.5, max: 50, noNaN: true }),
    n: fc.integer({ min: 0, max: 250 }),
    concurrency: fc.integer({ min: 1, max: 8 }),
    responseMs: fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 })),
    seed: fc.integer(),
  });

  it('alone on an account set like ours: never throttled, never above capacity + rate × window, each item once', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ capacity, refillPerSecond, n, concurrency, responseMs, seed }) => {
        const bucket = { capacity, refillPerSecond };
        const { time, account, pacer, callStarts, inFlight, deleteSnapshot } = world({
          account: bucket,
          pacer: bucket,
          seed,
          responseMs: [Math.min(...responseMs), Math.max(...responseMs)],
        });
        const items = ids(n);
        const result = await time.run(pacedEach(items, deleteSnapshot, { pacer, concurrency, clock: time }));
        expect(account.throttledAt).toEqual([]);
        expect(result.done).toHaveLength(n);
        expect(account.deletions.size).toBe(n);
        expect([...account.deletions.values()].every((count) => count === 1)).toBe(true);
        expect(worstWindowExcess(callStarts, capacity, refillPerSecond)).toBeLessThanOrEqual(1e-4);
        expect(worstWindowExcess(account.acceptedAt, capacity, refillPerSecond)).toBeLessThanOrEqual(1e-4);
        expect(inFlight.max).toBeLessThanOrEqual(concurrency);
        // And no slower than the floor, when the workers can keep up with the rate (concurrency / rate covers a
        // call's latency): the last call starts when its token exists, give or take the headroom (≤ 0.101 s) and
        // the time the workers take to spend the burst.
        const latency = (Math.max(...responseMs) + 4) / 1000;
        if (n > capacity && concurrency / refillPerSecond >= latency) {
          const lastStart = (Math.max(...callStarts) - T0) / 1000;
          const burstSeconds = (capacity * latency) / concurrency;
          expect(lastStart).toBeLessThanOrEqual((n - capacity) / refillPerSecond + burstSeconds + 0.25);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('with another consumer and a deadline: each item deleted at most once, reported exactly once, none started late', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario,
        fc.array(fc.record({ atMs: fc.integer({ min: 0, max: 60_000 }), count: fc.integer({ min: 1, max: 100 }) }), {
          maxLength: 30,
        }),
        fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
        async ({ capacity, refillPerSecond, n, concurrency, responseMs, seed }, takes, deadlineAfter) => {
          const bucket = { capacity, refillPerSecond };
          const { time, account, pacer, callStarts, deleteSnapshot } = world({
            account: bucket,
            pacer: { ...bucket, maxRetries: 3 },
            seed,
            responseMs: [Math.min(...responseMs), Math.max(...responseMs)],
          });
          const other = async () => {
            let at = 0;
            for (const take of [...takes].sort((a, b) => a.atMs - b.atMs)) {
              await time.sleep(take.atMs - at);
              at = take.atMs;
              account.take(take.count);
            }
          };
          const items = ids(n);
          const deadline = deadlineAfter === undefined ? undefined : T0 + deadlineAfter;
          const [result] = await time.run(
            Promise.all([
              pacedEach(items, deleteSnapshot, {
                pacer,
                concurrency,
                clock: time,
                ...(deadline === undefined ? {} : { deadline }),
              }),
              other(),
            ]),
          );
          expectPartition(items, result);
          for (const { item } of result.done) expect(account.deletions.get(item)).toBe(1);
          for (const { item, error } of result.failed) {
            // Only throttles fail here, and a throttled call deleted nothing.
            expect(error).toBeInstanceOf(SnapshotThrottledError);
            expect(account.deletions.has(item)).toBe(false);
          }
          for (const item of result.notStarted) expect(account.deletions.has(item)).toBe(false);
          if (deadline !== undefined && callStarts.length > 0) {
            expect(Math.max(...callStarts)).toBeLessThanOrEqual(deadline);
          }
          expect(worstWindowExcess(callStarts, capacity, refillPerSecond)).toBeLessThanOrEqual(1e-4);
          expect(pacer.stats().calls).toBe(callStarts.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
