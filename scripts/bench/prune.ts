/**
 * `npm run bench:prune` (DESIGN.md §10): deleting N EBS snapshots against a token-bucket fake of EC2 DeleteSnapshot
 * (ec2-fake.ts: capacity 100, refill 5/s, request 1–4 ms to the bucket + 15–45 ms back, RequestLimitExceeded →
 * SnapshotThrottledError), in real time, against the floor (N − 100)/5 s: the burst at once, then one call per token.
 *
 *   paced  Pacer + pacedEach with the production defaults (rate 5/s, burst 100) and `--concurrency` (default 8:
 *          5/s × 45 ms needs one call in flight; 8 keeps up to rate × latency ≈ 8, i.e. up to `--scale` ~25, and
 *          keeps the workers ahead of the burst).
 *   naive  the baseline: the same concurrency, no pacing, each throttle retried after the SDK v3 standard mode's
 *          backoff as installed (full jitter: random × min(1,000 ms × 2^retry, 20 s) for throttles), until it passes.
 *
 * `--scale k` (default 10) compresses time k-fold so a run takes minutes, not hours: the fake refills at 5k/s and the
 * pacer runs at 5k/s (burst stays 100), the floor is (N − 100)/(5k) s, and every other time constant of both deleters
 * (backoff base and cap; the pacer's throttle cooldown and recovery) is divided by k too. Call latency is not scaled,
 * so scale 1 is the real thing. `--n` (default 2,000), `--concurrency`, `--seed`; `--naive-limit f` (default 5) stops
 * the naive deleter from starting items after f × floor (its ratio is then extrapolated and marked `>`).
 * Each deleter gets a fresh, full account bucket. Last line: `prune_ratio_vs_floor=<x>` (target ≤ 1.1).
 */
import { parseArgs } from 'node:util';
import { SystemClock } from '../../lambdas/adapters/runtime';
import { Pacer, pacedEach } from '../../lambdas/app/retention/pacer';
import { SnapshotThrottledError } from '../../lambdas/domain/errors';
import type { Sleeper } from '../../lambdas/ports/runtime';
import { FakeEc2Account, mulberry32, worstWindowExcess } from './ec2-fake';

const CAPACITY = 100;
const RATE = 5;
const SDK_THROTTLE_BASE_MS = 1_000;
const SDK_MAX_DELAY_MS = 20_000;

const clock = new SystemClock();
const sleeper: Sleeper = { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

interface Run {
  readonly seconds: number;
  readonly deleted: number;
  readonly notStarted: number;
  readonly calls: number;
  readonly throttles: number;
  readonly account: FakeEc2Account;
  readonly detail: string;
}

function options() {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '10' },
      n: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '8' },
      seed: { type: 'string', default: '1' },
      'naive-limit': { type: 'string', default: '5' },
    },
  });
  const number = (name: keyof typeof values, min: number) => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return value;
  };
  return {
    scale: number('scale', 0.01),
    n: Math.floor(number('n', CAPACITY + 1)),
    concurrency: Math.floor(number('concurrency', 1)),
    seed: Math.floor(number('seed', 0)),
    naiveLimit: number('naive-limit', 1),
  };
}

const snapshotIds = (n: number) => Array.from({ length: n }, (_, i) => `snap-${i.toString(16).padStart(17, '0')}`);

function account(scale: number, random: () => number): FakeEc2Account {
  return new FakeEc2Account({ clock, sleeper, random, capacity: CAPACITY, refillPerSecond: RATE * scale });
}

async function runNaive(o: ReturnType<typeof options>, floorSeconds: number): Promise<Run> {
  const random = mulberry32(o.seed);
  const fake = account(o.scale, random);
  const ids = snapshotIds(o.n);
  const stopAt = performance.now() + o.naiveLimit * floorSeconds * 1000;
  let next = 0;
  let calls = 0;
  let throttles = 0;
  let deleted = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < ids.length && performance.now() < stopAt) {
      const id = ids[next++] as string;
      for (let retry = 0; ; retry++) {
        calls += 1;
        try {
          await fake.deleteSnapshot(id);
          deleted += 1;
          break;
        } catch (error) {
          if (!(error instanceof SnapshotThrottledError)) throw error;
          throttles += 1;
          const ceiling = Math.min(SDK_THROTTLE_BASE_MS * 2 ** retry, SDK_MAX_DELAY_MS) / o.scale;
          await sleeper.sleep(Math.floor(random() * ceiling));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    deleted,
    notStarted: o.n - next,
    calls,
    throttles,
    account: fake,
    detail: `backoff random × min(${SDK_THROTTLE_BASE_MS / o.scale} ms × 2^retry, ${SDK_MAX_DELAY_MS / o.scale} ms)`,
  };
}

async function runPaced(o: ReturnType<typeof options>): Promise<Run> {
  const random = mulberry32(o.seed + 1);
  const fake = account(o.scale, random);
  const pacer = new Pacer(
    { clock, sleeper, random },
    {
      capacity: CAPACITY,
      refillPerSecond: RATE * o.scale,
      baseBackoffMs: 250 / o.scale,
      maxBackoffMs: 10_000 / o.scale,
      reaction: { cooldownMs: 1_000 / o.scale, recoveryPerSecond: 0.1 * o.scale },
    },
  );
  const started = performance.now();
  const result = await pacedEach(snapshotIds(o.n), (id) => fake.deleteSnapshot(id), {
    pacer,
    concurrency: o.concurrency,
    clock,
  });
  const seconds = (performance.now() - started) / 1000;
  const stats = pacer.stats();
  if (result.failed.length > 0) console.log(`paced: ${result.failed.length} failed, first: ${result.failed[0]?.error}`);
  return {
    seconds,
    deleted: result.done.length,
    notStarted: result.notStarted.length,
    calls: stats.calls,
    throttles: stats.throttles,
    account: fake,
    detail:
      `retries=${stats.retries} gave_up=${stats.gaveUp} waited_s=${(stats.waitedMs / 1000).toFixed(1)} ` +
      `backoff_s=${(stats.backoffMs / 1000).toFixed(1)} concurrency=${o.concurrency}`,
  };
}

function describe(name: string, run: Run, floorSeconds: number, n: number): { line: string; ratio: string } {
  const once = [...run.account.deletions.values()].filter((count) => count === 1).length;
  const finished = run.deleted === n;
  // Unfinished (naive, stopped at its limit): extrapolate its pace to N, a lower bound on its real ratio.
  const ratio = finished
    ? (run.seconds / floorSeconds).toFixed(3)
    : `>${((run.seconds * n) / Math.max(1, run.deleted) / floorSeconds).toFixed(1)}`;
  const excess = worstWindowExcess(run.account.acceptedAt, run.account.capacity, run.account.refillPerSecond);
  return {
    ratio,
    line:
      `${name.padEnd(6)} seconds=${run.seconds.toFixed(1)} deleted=${run.deleted} deleted_once=${once} ` +
      `not_started=${run.notStarted} calls=${run.calls} throttles=${run.throttles} ratio=${ratio} ` +
      `(${run.detail}; account window excess ${excess.toFixed(3)})`,
  };
}

async function main(): Promise<void> {
  const o = options();
  const floorSeconds = (o.n - CAPACITY) / (RATE * o.scale);
  console.log(
    `prune N=${o.n} scale=${o.scale} account: burst ${CAPACITY}, refill ${RATE * o.scale}/s; ` +
      `floor_seconds=${floorSeconds.toFixed(1)}; latency 1–4 ms to the bucket + 15–45 ms back`,
  );
  const naive = describe('naive', await runNaive(o, floorSeconds), floorSeconds, o.n);
  console.log(naive.line);
  const paced = describe('paced', await runPaced(o), floorSeconds, o.n);
  console.log(paced.line);
  console.log(`naive_ratio_vs_floor=${naive.ratio}`);
  console.log(`prune_ratio_vs_floor=${paced.ratio}`);
}

await main();
