import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COUNT_RULES,
  type KeepCount,
  planRetention,
  type RetentionBackup,
  type RetentionPlan,
  type RetentionPolicy,
  ZoneCalendar,
} from '../../lambdas/domain/retention/index';

const ZONES = [
  'UTC',
  'Europe/London',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'America/St_Johns',
];
const START = Date.parse('2024-01-01T00:00:00Z');
const SPAN_MIN = 3 * 365 * 24 * 60;
const QUARTER_HOUR = 15 * 60_000;

/** Points in time: uniform over three years, or in the hours around the DST changes of March/April and October/November. */
const instant = fc.oneof(
  fc.integer({ min: 0, max: SPAN_MIN / 15 }).map((q) => START + q * QUARTER_HOUR),
  fc
    .record({
      year: fc.integer({ min: 2024, max: 2026 }),
      month: fc.constantFrom(2, 3, 9, 10), // zero-based: March, April, October, November
      day: fc.integer({ min: 1, max: 30 }),
      minute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
    })
    .map(({ year, month, day, minute }) => Date.UTC(year, month, day) + minute * 60_000),
);

const rawBackup = fc.record({
  at: instant,
  repeat: fc.boolean(), // same createdAt as the previous record: duplicates
  sourceId: fc.constantFrom('src_a', 'src_b', 'src_c'),
  status: fc.constantFrom(
    'succeeded',
    'succeeded',
    'succeeded',
    'succeeded',
    'failed',
    'pending',
    'running',
    'deleted',
  ),
  trigger: fc.constantFrom('scheduled', 'scheduled', 'scheduled', 'manual', 'pre-restore', 'drill'),
  flag: fc.integer({ min: 0, max: 39 }), // 0: legal hold, 1: locked, < 6: has a parent
  parent: fc.option(fc.nat(), { nil: undefined }),
});

const history = fc.array(rawBackup, { maxLength: 120 }).map((raws) =>
  raws.map((raw, i): RetentionBackup => {
    const previous = raws[i - 1];
    const at = raw.repeat && previous !== undefined ? previous.at : raw.at;
    const parent = raw.parent === undefined || i === 0 ? undefined : raw.parent % i;
    return {
      id: `bkp_${String(i).padStart(5, '0')}`,
      sourceId: raw.sourceId,
      createdAt: new Date(at).toISOString(),
      status: raw.status as RetentionBackup['status'],
      trigger: raw.trigger,
      ...(raw.flag === 0 ? { legalHold: true } : {}),
      ...(raw.flag === 1 ? { locked: true } : {}),
      ...(parent !== undefined && raw.flag < 6 ? { parentId: `bkp_${String(parent).padStart(5, '0')}` } : {}),
    };
  }),
);

const count: fc.Arbitrary<KeepCount | undefined> = fc.option(
  fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constant('unlimited' as const)),
  { nil: undefined, freq: 2 },
);

const policy: fc.Arbitrary<RetentionPolicy> = fc
  .record({
    keepLast: count,
    keepHourly: count,
    keepDaily: count,
    keepWeekly: count,
    keepMonthly: count,
    keepYearly: count,
    keepWithin: fc.option(fc.constantFrom('PT12H', 'P1D', 'P30D', 'P1M', 'P1Y2M'), { nil: undefined }),
    timeZone: fc.constantFrom(...ZONES),
    manual: fc.option(
      fc.record({
        keepWithin: fc.option(fc.constantFrom('P7D', 'P30D'), { nil: undefined }),
        keepLast: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
      }),
      { nil: undefined },
    ),
  })
  .map((p) => JSON.parse(JSON.stringify(p)) as RetentionPolicy); // drop undefined fields

const now = fc.integer({ min: SPAN_MIN / 2, max: SPAN_MIN + 60 * 24 * 30 }).map((m) => new Date(START + m * 60_000));
const openRestores = fc
  .array(fc.nat({ max: 119 }), { maxLength: 3 })
  .map((ns) => ns.map((n) => `bkp_${String(n).padStart(5, '0')}`));

const noBrake = { maxDeleteShare: 1 };

function deleted(plan: RetentionPlan): Set<string> {
  return new Set(plan.decisions.filter((d) => d.action === 'delete').map((d) => d.backupId));
}

describe('planRetention properties', () => {
  it('P1: never deletes the newest successful, in-progress, held, locked, future, open pre-restore or parent backups', () => {
    fc.assert(
      fc.property(history, policy, now, openRestores, (backups, p, at, open) => {
        // Act
        const plan = planRetention({ backups, policy: p, now: at, openRestorePreRestoreIds: open });
        // Assess
        const byId = new Map(backups.map((b) => [b.id, b]));
        const keptIds = new Set(plan.decisions.filter((d) => d.action === 'keep').map((d) => d.backupId));
        const newest = new Map<string, RetentionBackup>();
        for (const b of backups) {
          if (b.status !== 'succeeded') continue;
          const current = newest.get(b.sourceId);
          if (
            current === undefined ||
            b.createdAt > current.createdAt ||
            (b.createdAt === current.createdAt && b.id > current.id)
          ) {
            newest.set(b.sourceId, b);
          }
        }
        const parentsOfKept = new Set(backups.filter((b) => keptIds.has(b.id) && b.parentId).map((b) => b.parentId));
        for (const id of deleted(plan)) {
          const b = byId.get(id) as RetentionBackup;
          expect(b.status).toBe('succeeded');
          expect(b.legalHold).toBeUndefined();
          expect(b.locked).toBeUndefined();
          expect(open).not.toContain(id);
          expect(Date.parse(b.createdAt)).toBeLessThanOrEqual(at.getTime());
          expect(newest.get(b.sourceId)?.id).not.toBe(id);
          expect(parentsOfKept.has(id)).toBe(false);
        }
        // one decision per input backup, each with at least one reason
        expect(plan.decisions.map((d) => d.backupId).sort()).toEqual(backups.map((b) => b.id).sort());
        for (const decision of plan.decisions) expect(decision.reasons.length).toBeGreaterThan(0);
        // the brake holds: no source loses more than half its successful backups
        for (const source of plan.brake.sources) {
          const gone = plan.decisions.filter((d) => d.sourceId === source.sourceId && d.action === 'delete').length;
          expect(gone).toBeLessThanOrEqual(source.successful / 2);
        }
      }),
    );
  });

  it('is deterministic: the same input in any order gives the same plan', () => {
    fc.assert(
      fc.property(
        history.chain((backups) =>
          fc.tuple(fc.constant(backups), fc.shuffledSubarray(backups, { minLength: backups.length })),
        ),
        policy,
        now,
        ([backups, shuffled], p, at) => {
          // Act
          const first = planRetention({ backups, policy: p, now: at });
          const again = planRetention({ backups, policy: p, now: at });
          const reordered = planRetention({ backups: shuffled, policy: p, now: at });
          // Assess
          expect(again).toEqual(first);
          expect(reordered).toEqual(first);
        },
      ),
    );
  });

  it('keeps no more backups per tier than the tier wants', () => {
    fc.assert(
      fc.property(history, policy, now, (backups, p, at) => {
        // Act
        const plan = planRetention({ backups, policy: p, now: at, brake: noBrake });
        // Assess
        const wanted: Record<string, KeepCount | undefined> = {
          last: p.keepLast,
          hourly: p.keepHourly,
          daily: p.keepDaily,
          weekly: p.keepWeekly,
          monthly: p.keepMonthly,
          yearly: p.keepYearly,
        };
        for (const rule of COUNT_RULES) {
          const want = wanted[rule];
          if (typeof want !== 'number') continue;
          for (const sourceId of ['src_a', 'src_b', 'src_c']) {
            const byRule = plan.decisions.filter(
              (d) =>
                d.sourceId === sourceId &&
                d.reasons.some((r) => r.startsWith(`${rule} `) || r.startsWith(`oldest ${rule} `)),
            );
            expect(byRule.length).toBeLessThanOrEqual(want);
          }
          for (const tier of plan.coverage.filter((c) => c.rule === rule))
            expect(tier.covered).toBeLessThanOrEqual(want);
        }
      }),
    );
  });

  it('is monotonic: raising a count never deletes anything more (from a non-empty policy)', () => {
    fc.assert(
      fc.property(
        history,
        policy,
        now,
        fc.constantFrom(...COUNT_RULES),
        fc.integer({ min: 1, max: 5 }),
        (backups, p, at, rule, more) => {
          // Arrange: an empty policy keeps everything (restic refuses to act on one), so the first count is exempt
          const counts = [p.keepLast, p.keepHourly, p.keepDaily, p.keepWeekly, p.keepMonthly, p.keepYearly];
          fc.pre(p.keepWithin !== undefined || counts.some((c) => c !== undefined && c !== 0));
          const field = `keep${rule[0]?.toUpperCase()}${rule.slice(1)}` as keyof RetentionPolicy;
          const current = p[field] as KeepCount | undefined;
          const raised: KeepCount = current === 'unlimited' ? 'unlimited' : (current ?? 0) + more;
          // Act
          const before = deleted(planRetention({ backups, policy: p, now: at, brake: noBrake }));
          const after = deleted(planRetention({ backups, policy: { ...p, [field]: raised }, now: at, brake: noBrake }));
          // Assess
          for (const id of after) expect(before.has(id)).toBe(true);
        },
      ),
    );
  });

  it('is idempotent: planning the kept set again deletes nothing', () => {
    fc.assert(
      fc.property(history, policy, now, (backups, p, at) => {
        // Arrange
        const first = planRetention({ backups, policy: p, now: at, brake: noBrake });
        const gone = deleted(first);
        const survivors = backups.filter((b) => !gone.has(b.id));
        // Act
        const second = planRetention({ backups: survivors, policy: p, now: at, brake: noBrake });
        // Assess
        expect([...deleted(second)]).toEqual([]);
      }),
    );
  });

  it('matches a straightforward restic ApplyPolicy (keys from Intl) on successful scheduled histories', () => {
    fc.assert(
      fc.property(history, policy, now, (raw, p, at) => {
        // Arrange: only what restic sees: successful snapshots, none in the future, no holds
        const backups = raw
          .filter((b) => b.status === 'succeeded' && Date.parse(b.createdAt) < at.getTime())
          .map((b) => ({ ...b, trigger: 'scheduled', legalHold: undefined, locked: undefined, parentId: undefined }));
        const gfs: RetentionPolicy = { ...p, manual: undefined };
        // Act
        const plan = planRetention({ backups, policy: gfs, now: at, brake: noBrake });
        // Assess
        for (const sourceId of ['src_a', 'src_b', 'src_c']) {
          const group = backups.filter((b) => b.sourceId === sourceId);
          const expected = resticKeep(group, gfs, at.getTime());
          const actual = plan.decisions
            .filter((d) => d.sourceId === sourceId && d.action === 'keep')
            .map((d) => d.backupId);
          expect(new Set(actual)).toEqual(expected);
        }
      }),
    );
  });

  it('computes the same local fields as Intl for random instants and zones', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    fc.assert(
      fc.property(
        fc.constantFrom(...zones, ...ZONES),
        fc.integer({ min: Date.parse('1971-01-01T00:00:00Z'), max: Date.parse('2090-01-01T00:00:00Z') }),
        (zone, t) => {
          // Act
          const fields = new ZoneCalendar(zone).fields(t);
          // Assess
          expect(fields).toMatchObject(intlFields(zone, t));
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** Local wall clock from Intl (the slow, obvious way). */
function intlFields(zone: string, t: number) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(t);
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute') };
}

/** ISO week of a civil date (the textbook algorithm on a UTC Date). */
function isoWeek(year: number, month: number, day: number): number {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  return date.getUTCFullYear() * 100 + Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
}

/** restic's ApplyPolicy (internal/data/snapshot_policy.go, restic 0.17+) written plainly, plus "newest successful". */
function resticKeep(group: RetentionBackup[], p: RetentionPolicy, nowMs: number): Set<string> {
  const list = [...group].sort((a, b) =>
    a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : Date.parse(b.createdAt) - Date.parse(a.createdAt),
  );
  const keep = new Set<string>();
  if (list.length === 0) return keep;
  const zone = p.timeZone ?? 'UTC';
  const counts = [p.keepLast, p.keepHourly, p.keepDaily, p.keepWeekly, p.keepMonthly, p.keepYearly].map((c) =>
    c === 'unlimited' ? -1 : (c ?? 0),
  );
  const within = p.keepWithin;
  if (counts.every((c) => c === 0) && within === undefined) return new Set(list.map((b) => b.id));
  const bucket = (t: number, nr: number, rule: number): number => {
    const f = intlFields(zone, t);
    const ymd = f.year * 10_000 + f.month * 100 + f.day;
    return [nr, ymd * 100 + f.hour, ymd, isoWeek(f.year, f.month, f.day), f.year * 100 + f.month, f.year][
      rule
    ] as number;
  };
  let cutoff = Number.NEGATIVE_INFINITY;
  if (within !== undefined) {
    const latest = Math.max(...list.map((b) => Date.parse(b.createdAt)).filter((t) => t < nowMs));
    const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(\d+)H)?$/.exec(within as string) as RegExpExecArray;
    const [y, mo, d, h] = [m[1], m[2], m[3], m[4]].map((v) => Number(v ?? 0)) as [number, number, number, number];
    const f = intlFields(zone, latest);
    const msOfMinute = latest % 60_000;
    const wall = Date.UTC(f.year - y, f.month - 1 - mo, f.day - d, f.hour, f.minute) + msOfMinute;
    const offset = (u: number) => {
      const g = intlFields(zone, u);
      return Date.UTC(g.year, g.month - 1, g.day, g.hour, g.minute) - (u - (((u % 60_000) + 60_000) % 60_000));
    };
    cutoff = wall - offset(wall - offset(wall)) - h * 3_600_000;
  }
  const last = counts.map(() => Number.NaN);
  list.forEach((b, nr) => {
    const t = Date.parse(b.createdAt);
    if (within !== undefined && t > cutoff) keep.add(b.id);
    counts.forEach((c, rule) => {
      if (c > 0 || c === -1) {
        const value = bucket(t, nr, rule);
        if (value !== last[rule] || nr === list.length - 1) {
          keep.add(b.id);
          last[rule] = value;
          if (c > 0) counts[rule] = c - 1;
        }
      }
    });
  });
  keep.add((list[0] as RetentionBackup).id);
  return keep;
}
