/**
 * `npm run bench:plan` (DESIGN.md §10): the retention planner over 10^4, 10^5 and 10^6 catalog records, in one
 * process (warmed up first), to show how it grows. Records: 8 sources backed up hourly-ish (jittered minutes, gaps
 * of hours to days, ~3 % failed, ~1 % manual, the newest few pending or running), ids in creation order as in the
 * catalog; the policy is Plant an App's (30 daily / 12 weekly / 12 monthly / yearly forever) plus 24 hourly and a
 * manual rule "30 days / 3", in Europe/Berlin (so the calendar goes through Intl, not the UTC fast path).
 *
 * Each size runs BENCH_PLAN_ROUNDS times (default 3), the best time counts. The input is generated outside the
 * timing; the timing covers planRetention from the catalog records to the decisions. Output: one line per size,
 * the growth of the per-record cost between sizes (1.0 = linear), and last `plan_1e6_ms=<x>` (target < 1000).
 */
import { performance } from 'node:perf_hooks';
import { planRetention, type RetentionBackup, type RetentionPolicy } from '../../lambdas/domain/retention/index';

const SOURCES = 8;
const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-20T12:00:00Z');
const POLICY: RetentionPolicy = {
  keepHourly: 24,
  keepDaily: 30,
  keepWeekly: 12,
  keepMonthly: 12,
  keepYearly: 'unlimited',
  timeZone: 'Europe/Berlin',
  manual: { keepWithin: 'P30D', keepLast: 3 },
};

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` records, newest first per source as the catalog lists them (sources interleaved). */
export function generateHistory(count: number, seed = 42): RetentionBackup[] {
  const random = mulberry32(seed);
  const perSource = Math.ceil(count / SOURCES);
  const backups: RetentionBackup[] = [];
  for (let s = 0; s < SOURCES && backups.length < count; s++) {
    const sourceId = `src_${String(s).padStart(4, '0')}`;
    let t = NOW - s * 7 * 60_000;
    for (let i = 0; i < perSource && backups.length < count; i++) {
      const roll = random();
      const status = i < 2 ? (i === 0 ? 'running' : 'pending') : roll < 0.03 ? 'failed' : 'succeeded';
      const trigger = random() < 0.01 ? 'manual' : 'scheduled';
      const id = `bkp_${sourceId.slice(4)}${String(perSource - i).padStart(9, '0')}`;
      backups.push({ id, sourceId, createdAt: new Date(t).toISOString(), status, trigger });
      // Hourly-ish: 50–70 minutes apart, sometimes a gap of hours, rarely of days.
      const gap = random();
      t -=
        gap < 0.002 ? (24 + Math.floor(random() * 72)) * HOUR : gap < 0.02 ? (2 + Math.floor(random() * 8)) * HOUR : 0;
      t -= (50 + Math.floor(random() * 21)) * 60_000;
    }
  }
  return backups;
}

function time(backups: readonly RetentionBackup[]): { ms: number; deleted: number } {
  const start = performance.now();
  const plan = planRetention({
    backups,
    policy: POLICY,
    now: new Date(NOW),
    brake: { maxDeleteShare: 1 },
  });
  const ms = performance.now() - start;
  let deleted = 0;
  for (const decision of plan.decisions) if (decision.action === 'delete') deleted += 1;
  return { ms, deleted };
}

function main(): void {
  const rounds = Number(process.env.BENCH_PLAN_ROUNDS ?? 3);
  const sizes = [10_000, 100_000, 1_000_000];
  const inputs = sizes.map((size) => generateHistory(size));
  // Warm up: let the JIT see every path on the small and middle inputs.
  for (let i = 0; i < 5; i++) time(inputs[0] as RetentionBackup[]);
  time(inputs[1] as RetentionBackup[]);
  const best: number[] = [];
  for (const [i, size] of sizes.entries()) {
    let ms = Number.POSITIVE_INFINITY;
    let deleted = 0;
    for (let r = 0; r < rounds; r++) {
      const result = time(inputs[i] as RetentionBackup[]);
      if (result.ms < ms) ms = result.ms;
      deleted = result.deleted;
    }
    best.push(ms);
    const perRecordUs = (ms * 1000) / size;
    console.log(
      `plan records=${size} ms=${ms.toFixed(1)} us_per_record=${perRecordUs.toFixed(3)} delete=${deleted} keep=${size - deleted}`,
    );
  }
  const perRecord = best.map((ms, i) => ms / (sizes[i] as number));
  console.log(
    `growth_per_record_1e5_vs_1e4=${((perRecord[1] as number) / (perRecord[0] as number)).toFixed(2)} ` +
      `growth_per_record_1e6_vs_1e5=${((perRecord[2] as number) / (perRecord[1] as number)).toFixed(2)}`,
  );
  console.log(`plan_1e6_ms=${(best[2] as number).toFixed(1)}`);
}

main();
