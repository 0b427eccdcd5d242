import { describe, expect, it } from 'vitest';
import {
  planRetention,
  type RetentionBackup,
  type RetentionPlan,
  type RetentionPolicy,
} from '../../lambdas/domain/retention/index';

const DAY = 86_400_000;

function backup(id: string, createdAt: string, extra: Partial<RetentionBackup> = {}): RetentionBackup {
  return { id, sourceId: 'src_a', createdAt, status: 'succeeded', trigger: 'scheduled', ...extra };
}

/** One scheduled backup a day at `time` (UTC), from `from` to `to` inclusive; ids sort like ULIDs. */
function dailyHistory(from: string, to: string, time = '02:00:00Z'): RetentionBackup[] {
  const out: RetentionBackup[] = [];
  for (let t = Date.parse(`${from}T${time}`); t <= Date.parse(`${to}T${time}`); t += DAY) {
    const iso = new Date(t).toISOString();
    out.push(backup(`bkp_${iso.slice(0, 10)}`, iso));
  }
  return out;
}

function kept(plan: RetentionPlan): string[] {
  return plan.decisions.filter((d) => d.action === 'keep').map((d) => d.backupId);
}

function reasonsOf(plan: RetentionPlan, id: string): readonly string[] {
  const decision = plan.decisions.find((d) => d.backupId === id);
  if (decision === undefined) throw new Error(`no decision for ${id}`);
  return decision.reasons;
}

const noBrake = { maxDeleteShare: 1 };

describe('planRetention: restic forget semantics', () => {
  it("keeps the four newest Sundays for --keep-daily 4 (restic's documentation example)", () => {
    // Arrange: one backup every Sunday at 11:00 for 12 weeks, as in restic's doc/060_forget.rst
    const ids = ['0a1f9759', '46cfe4d5', 'f6b1f037', 'eb430a5d', '8cf1cb9a', '5d33b116'];
    ids.push('b9553125', 'e1a7b58b', '8f8018c0', '59403279', 'dfee9fb4', 'e1ae2f40');
    const backups = ids.map((id, i) =>
      backup(id, new Date(Date.parse('2019-09-01T11:00:00Z') + i * 7 * DAY).toISOString()),
    );
    // Act
    const plan = planRetention({ backups, policy: { keepDaily: 4 }, now: '2019-11-18T00:00:00Z', brake: noBrake });
    // Assess
    expect(kept(plan)).toEqual(['e1ae2f40', 'dfee9fb4', '59403279', '8f8018c0']);
    expect(reasonsOf(plan, 'e1ae2f40')).toEqual(['daily 1/4 2019-11-17', 'newest successful']);
    expect(reasonsOf(plan, '8f8018c0')).toEqual(['daily 4/4 2019-10-27']);
    expect(reasonsOf(plan, '0a1f9759')).toEqual(['no rule keeps it (daily 4)']);
    expect(plan.coverage).toEqual([
      {
        sourceId: 'src_a',
        rule: 'daily',
        wanted: 4,
        covered: 4,
        buckets: ['2019-11-17', '2019-11-10', '2019-11-03', '2019-10-27'],
      },
    ]);
  });

  it('keeps the newest of each day among the n most recent days that have a backup (gaps are skipped)', () => {
    // Arrange: two backups on the 20th, none on the 19th and 18th, one on the 17th and 16th
    const backups = [
      backup('b5', '2026-11-20T18:00:00Z'),
      backup('b4', '2026-11-20T06:00:00Z'),
      backup('b3', '2026-11-17T06:00:00Z'),
      backup('b2', '2026-11-16T06:00:00Z'),
      backup('b1', '2026-11-15T06:00:00Z'),
    ];
    // Act
    const plan = planRetention({ backups, policy: { keepDaily: 3 }, now: '2026-11-21T00:00:00Z', brake: noBrake });
    // Assess
    expect(kept(plan)).toEqual(['b5', 'b3', 'b2']);
    expect(reasonsOf(plan, 'b2')).toEqual(['daily 3/3 2026-11-16']);
  });

  it('keeps the oldest backup too while a rule has counts left (restic ≥ 0.17)', () => {
    // Arrange: 2 days with backups, keep-daily 5
    const backups = [
      backup('b3', '2026-11-20T10:00:00Z'),
      backup('b2', '2026-11-19T10:00:00Z'),
      backup('b1', '2026-11-19T08:00:00Z'),
    ];
    // Act
    const plan = planRetention({ backups, policy: { keepDaily: 5 }, now: '2026-11-21T00:00:00Z' });
    // Assess
    expect(kept(plan)).toEqual(['b3', 'b2', 'b1']);
    expect(reasonsOf(plan, 'b1')).toEqual(['oldest daily 3/5 2026-11-19']);
    expect(plan.coverage[0]).toMatchObject({ rule: 'daily', covered: 2, buckets: ['2026-11-20', '2026-11-19'] });
  });

  it('keep-last keeps the n newest, whatever their times', () => {
    // Arrange: three at the same instant (ties broken by id, the larger id being the newer)
    const backups = [
      backup('b1', '2026-11-20T10:00:00Z'),
      backup('b3', '2026-11-20T10:00:00Z'),
      backup('b2', '2026-11-20T10:00:00Z'),
      backup('b0', '2026-11-19T10:00:00Z'),
    ];
    // Act
    const plan = planRetention({ backups, policy: { keepLast: 2 }, now: '2026-11-21T00:00:00Z', brake: noBrake });
    // Assess
    expect(plan.decisions.map((d) => d.backupId)).toEqual(['b3', 'b2', 'b1', 'b0']);
    expect(kept(plan)).toEqual(['b3', 'b2']);
    expect(reasonsOf(plan, 'b2')).toEqual(['last 2/2']);
  });

  it('measures keep-within from the newest backup (not from now), as restic does', () => {
    // Arrange: the newest backup is 100 days old
    const backups = dailyHistory('2026-07-01', '2026-08-12');
    // Act
    const plan = planRetention({
      backups,
      policy: { keepWithin: 'P10D' },
      now: '2026-11-20T00:00:00Z',
      brake: noBrake,
    });
    // Assess: 2026-08-02T02:00 is exactly 10 days before the newest and is not "after" the cutoff
    expect(kept(plan)).toEqual(
      dailyHistory('2026-08-03', '2026-08-12')
        .map((b) => b.id)
        .reverse(),
    );
    expect(reasonsOf(plan, 'bkp_2026-08-05')).toEqual(['within P10D']);
  });

  it('keeps everything for an empty policy, as restic refuses to act on one', () => {
    // Arrange
    const backups = dailyHistory('2026-11-01', '2026-11-20');
    // Act
    const plan = planRetention({ backups, policy: { keepDaily: 0 }, now: '2026-11-21T00:00:00Z' });
    // Assess
    expect(kept(plan)).toHaveLength(20);
    expect(reasonsOf(plan, 'bkp_2026-11-05')).toEqual(['policy is empty: restic keeps everything']);
  });
});

describe('planRetention: the README examples', () => {
  it("Divio's 7 daily / 4 weekly / 12 monthly over 14 months of daily backups keeps 20", () => {
    // Arrange: 2026-11-20 is a Friday in ISO week 47
    const backups = dailyHistory('2025-10-01', '2026-11-20');
    const policy: RetentionPolicy = { keepDaily: 7, keepWeekly: 4, keepMonthly: 12 };
    // Act
    const plan = planRetention({ backups, policy, now: '2026-11-20T12:00:00Z', brake: noBrake });
    // Assess
    const days = ['2026-11-20', '2026-11-19', '2026-11-18', '2026-11-17', '2026-11-16', '2026-11-15', '2026-11-14'];
    const weeks = ['2026-11-08', '2026-11-01'];
    const months = ['2026-10-31', '2026-09-30', '2026-08-31', '2026-07-31', '2026-06-30', '2026-05-31'];
    months.push('2026-04-30', '2026-03-31', '2026-02-28', '2026-01-31', '2025-12-31');
    expect(kept(plan)).toEqual([...days, ...weeks, ...months].map((d) => `bkp_${d}`));
    expect(reasonsOf(plan, 'bkp_2026-11-20')).toEqual([
      'daily 1/7 2026-11-20',
      'weekly 1/4 2026-W47',
      'monthly 1/12 2026-11',
      'newest successful',
    ]);
    expect(reasonsOf(plan, 'bkp_2026-11-15')).toEqual(['daily 6/7 2026-11-15', 'weekly 2/4 2026-W46']);
    expect(reasonsOf(plan, 'bkp_2026-11-01')).toEqual(['weekly 4/4 2026-W44']);
    expect(reasonsOf(plan, 'bkp_2025-12-31')).toEqual(['monthly 12/12 2025-12']);
    expect(plan.coverage.map((c) => [c.rule, c.wanted, c.covered])).toEqual([
      ['daily', 7, 7],
      ['weekly', 4, 4],
      ['monthly', 12, 12],
    ]);
  });

  it("Plant an App's 30 daily / 12 weekly / 12 monthly / yearly forever over 3 years keeps 50", () => {
    // Arrange
    const backups = dailyHistory('2023-11-21', '2026-11-20');
    const policy: RetentionPolicy = { keepDaily: 30, keepWeekly: 12, keepMonthly: 12, keepYearly: 'unlimited' };
    // Act
    const plan = planRetention({ backups, policy, now: '2026-11-20T12:00:00Z', brake: noBrake });
    // Assess: 30 days (22 Oct – 20 Nov), 7 more Sundays (6 Sep – 18 Oct), 10 more month ends (Dec 2025 – Sep 2026),
    // the year ends of 2024 and 2023, and the oldest backup (yearly has counts left: restic ≥ 0.17 keeps it)
    expect(kept(plan)).toHaveLength(50);
    expect(reasonsOf(plan, 'bkp_2026-09-06')).toEqual(['weekly 12/12 2026-W36']);
    expect(reasonsOf(plan, 'bkp_2025-12-31')).toEqual(['monthly 12/12 2025-12', 'yearly 2/∞ 2025']);
    expect(reasonsOf(plan, 'bkp_2024-12-31')).toEqual(['yearly 3/∞ 2024']);
    expect(reasonsOf(plan, 'bkp_2023-12-31')).toEqual(['yearly 4/∞ 2023']);
    expect(reasonsOf(plan, 'bkp_2023-11-21')).toEqual(['oldest yearly 5/∞ 2023']);
    expect(plan.coverage.find((c) => c.rule === 'yearly')).toMatchObject({
      wanted: 'unlimited',
      covered: 4,
      buckets: ['2026', '2025', '2024', '2023'],
    });
  });
});

describe('planRetention: time zones and DST', () => {
  it('buckets days in the policy time zone across the Europe/London autumn change', () => {
    // Arrange: 25 October 2026 has 25 hours in London
    const backups = [
      backup('b6', '2026-10-26T00:30:00Z'),
      backup('b5', '2026-10-25T23:30:00Z'),
      backup('b4', '2026-10-25T01:30:00Z'),
      backup('b3', '2026-10-25T00:30:00Z'),
      backup('b2', '2026-10-24T23:30:00Z'),
      backup('b1', '2026-10-24T12:00:00Z'),
    ];
    const policy: RetentionPolicy = { keepDaily: 3, timeZone: 'Europe/London' };
    // Act
    const plan = planRetention({ backups, policy, now: '2026-10-27T00:00:00Z', brake: noBrake });
    // Assess: b2 (00:30 BST on the 25th) belongs to the 25th, so the 24th's newest is b1
    expect(kept(plan)).toEqual(['b6', 'b5', 'b1']);
    expect(reasonsOf(plan, 'b1')).toEqual(['daily 3/3 2026-10-24']);
  });

  it('counts the repeated wall-clock hour of the autumn change as one hourly bucket, as restic does', () => {
    // Arrange: 01:30 BST and 01:30 GMT
    const backups = [backup('b2', '2026-10-25T01:30:00Z'), backup('b1', '2026-10-25T00:30:00Z')];
    // Act
    const plan = planRetention({
      backups,
      policy: { keepHourly: 1, timeZone: 'Europe/London' },
      now: '2026-10-26T00:00:00Z',
      brake: noBrake,
    });
    // Assess
    expect(reasonsOf(plan, 'b2')).toEqual(['hourly 1/1 2026-10-25T01', 'newest successful']);
    expect(kept(plan)).toEqual(['b2']);
  });

  it('gives the New York spring-forward day its 23 hourly backups and one daily', () => {
    // Arrange: one backup every UTC hour from local midnight 8 March to local midnight 9 March
    const backups: RetentionBackup[] = [];
    for (let t = Date.parse('2026-03-08T05:00:00Z'); t < Date.parse('2026-03-09T04:00:00Z'); t += 3_600_000) {
      backups.push(backup(`bkp_${t}`, new Date(t).toISOString()));
    }
    // Act
    const plan = planRetention({
      backups,
      policy: { keepDaily: 2, keepHourly: 'unlimited', timeZone: 'America/New_York' },
      now: '2026-03-10T00:00:00Z',
      brake: noBrake,
    });
    // Assess
    expect(backups).toHaveLength(23);
    expect(kept(plan)).toHaveLength(23);
    expect(plan.coverage.find((c) => c.rule === 'daily')?.buckets).toEqual(['2026-03-08']);
    expect(plan.coverage.find((c) => c.rule === 'hourly')?.buckets).not.toContain('2026-03-08T02');
  });

  it('uses Lord Howe (30-minute DST) and Kathmandu (+5:45) local days', () => {
    // Arrange
    const lordHowe = [backup('b2', '2026-10-03T13:31:00Z'), backup('b1', '2026-10-03T13:29:00Z')];
    const kathmandu = [backup('k2', '2026-11-19T18:16:00Z'), backup('k1', '2026-11-19T18:14:00Z')];
    // Act
    const lh = planRetention({
      backups: lordHowe,
      policy: { keepDaily: 1, timeZone: 'Australia/Lord_Howe' },
      now: '2026-11-01T00:00:00Z',
      brake: noBrake,
    });
    const ktm = planRetention({
      backups: kathmandu,
      policy: { keepDaily: 1, timeZone: 'Asia/Kathmandu' },
      now: '2026-11-21T00:00:00Z',
      brake: noBrake,
    });
    // Assess: the two are on different local days, so daily 1 keeps only the newer
    expect(reasonsOf(lh, 'b2')[0]).toBe('daily 1/1 2026-10-04');
    expect(reasonsOf(lh, 'b1')[0]).toBe('no rule keeps it (daily 1)');
    expect(reasonsOf(ktm, 'k2')[0]).toBe('daily 1/1 2026-11-20');
    expect(reasonsOf(ktm, 'k1')[0]).toBe('no rule keeps it (daily 1)');
  });
});

describe('planRetention: the manual rule', () => {
  it('keeps manual backups younger than 30 days, and of the older ones the 3 newest ("30 days / 3")', () => {
    // Arrange
    const now = Date.parse('2026-11-20T12:00:00Z');
    const ago = (days: number) => new Date(now - days * DAY).toISOString();
    const manual = [1, 10, 29, 31, 40, 50, 60, 90].map((days) =>
      backup(`man_${String(days).padStart(2, '0')}`, ago(days), { trigger: 'manual' }),
    );
    const scheduled = [backup('sch_0', ago(0.5)), backup('sch_1', ago(1.5))];
    // Act
    const plan = planRetention({
      backups: [...manual, ...scheduled],
      policy: { keepDaily: 1, manual: { keepWithin: 'P30D', keepLast: 3 } },
      now: new Date(now),
      brake: noBrake,
    });
    // Assess
    expect(kept(plan)).toEqual(['sch_0', 'man_01', 'man_10', 'man_29', 'man_31', 'man_40', 'man_50']);
    expect(reasonsOf(plan, 'man_10')).toEqual(['manual within P30D']);
    expect(reasonsOf(plan, 'man_40')).toEqual(['manual last 2/3']);
    expect(reasonsOf(plan, 'man_60')).toEqual(['manual: no rule keeps it (within P30D, last 3)']);
    expect(plan.coverage.find((c) => c.rule === 'manual-last')).toMatchObject({ wanted: 3, covered: 3 });
  });

  it('without a manual rule, manual backups are ordinary candidates of the GFS rules', () => {
    // Arrange
    const backups = [backup('b2', '2026-11-20T10:00:00Z', { trigger: 'manual' }), backup('b1', '2026-11-19T10:00:00Z')];
    // Act
    const plan = planRetention({ backups, policy: { keepLast: 1 }, now: '2026-11-21T00:00:00Z', brake: noBrake });
    // Assess
    expect(kept(plan)).toEqual(['b2']);
  });
});

describe('planRetention: invariants', () => {
  it('never deletes in-progress, failed, held, locked, open pre-restore backups, or parents of kept ones', () => {
    // Arrange
    const backups = [
      backup('b9', '2026-11-20T10:00:00Z', { status: 'running' }),
      backup('b8', '2026-11-20T09:00:00Z', { status: 'pending' }),
      backup('b7', '2026-11-20T08:00:00Z', { status: 'failed' }),
      backup('b6', '2026-11-20T07:00:00Z', { parentId: 'b2' }),
      backup('b5', '2026-11-10T07:00:00Z', { legalHold: true }),
      backup('b4', '2026-11-09T07:00:00Z', { locked: true }),
      backup('b3', '2026-11-08T07:00:00Z', { trigger: 'pre-restore' }),
      backup('b2', '2026-11-07T07:00:00Z', { parentId: 'b1' }),
      backup('b1', '2026-11-06T07:00:00Z'),
      backup('b0', '2026-11-05T07:00:00Z'),
      backup('bd', '2026-11-04T07:00:00Z', { status: 'deleted' }),
    ];
    // Act
    const plan = planRetention({
      backups,
      policy: { keepLast: 1 },
      now: '2026-11-21T00:00:00Z',
      openRestorePreRestoreIds: ['b3'],
      brake: noBrake,
    });
    // Assess
    expect(plan.decisions.filter((d) => d.action === 'delete').map((d) => d.backupId)).toEqual(['b0']);
    expect(reasonsOf(plan, 'b9')).toEqual(['in progress']);
    expect(reasonsOf(plan, 'b8')).toEqual(['in progress']);
    expect(reasonsOf(plan, 'b7')).toEqual(['failed: catalog record expires by TTL']);
    expect(reasonsOf(plan, 'b6')).toEqual(['last 1/1', 'newest successful']);
    expect(reasonsOf(plan, 'b5')).toEqual(['legal hold']);
    expect(reasonsOf(plan, 'b4')).toEqual(['object lock']);
    expect(reasonsOf(plan, 'b3')).toEqual(['pre-restore backup of an open restore']);
    expect(reasonsOf(plan, 'b2')).toEqual(['parent of kept b6']);
    expect(reasonsOf(plan, 'b1')).toEqual(['parent of kept b2']);
    expect(reasonsOf(plan, 'bd')).toEqual(['already deleted']);
  });

  it('keeps the newest successful backup when every recent run failed, and never deletes a future-dated one', () => {
    // Arrange
    const backups = [
      backup('b4', '2026-12-01T00:00:00Z'),
      backup('b3', '2026-11-20T10:00:00Z', { status: 'failed' }),
      backup('b2', '2026-11-19T10:00:00Z', { status: 'failed' }),
      backup('b1', '2026-11-01T10:00:00Z'),
      backup('b0', '2026-10-01T10:00:00Z'),
    ];
    // Act
    const plan = planRetention({ backups, policy: { keepLast: 1 }, now: '2026-11-21T00:00:00Z', brake: noBrake });
    // Assess: b4 is "newer" than now (clock skew) and takes keep-last, but b1 is not the newest either: only b4 is
    expect(reasonsOf(plan, 'b4')).toEqual(['last 1/1', 'newest successful', 'created after now (clock skew?)']);
    expect(kept(plan)).toEqual(['b4', 'b3', 'b2']);
  });

  it("never deletes another tenant's backup when the tenant is given", () => {
    // Arrange
    const backups = [
      backup('b2', '2026-11-20T10:00:00Z', { tenantId: 'acme' }),
      backup('b1', '2026-11-19T10:00:00Z', { tenantId: 'globex' }),
    ];
    // Act
    const plan = planRetention({ backups, policy: { keepLast: 1 }, now: '2026-11-21T00:00:00Z', tenantId: 'acme' });
    // Assess
    expect(reasonsOf(plan, 'b1')).toEqual(["another tenant's backup"]);
  });

  it('plans each source on its own, with its own policy', () => {
    // Arrange
    const backups = [
      backup('a2', '2026-11-20T10:00:00Z'),
      backup('b2', '2026-11-20T10:00:00Z', { sourceId: 'src_b' }),
      backup('a1', '2026-11-19T10:00:00Z'),
      backup('b1', '2026-11-19T10:00:00Z', { sourceId: 'src_b' }),
    ];
    // Act
    const plan = planRetention({
      backups,
      policy: { keepLast: 1 },
      policyBySource: { src_b: { keepLast: 2 } },
      now: '2026-11-21T00:00:00Z',
      brake: noBrake,
    });
    // Assess
    expect(plan.decisions.map((d) => `${d.backupId}:${d.action}`)).toEqual([
      'a2:keep',
      'a1:delete',
      'b2:keep',
      'b1:keep',
    ]);
  });
});

describe('planRetention: the brake', () => {
  const backups = dailyHistory('2026-11-01', '2026-11-10');

  it('stops a source whose plan would delete more than half its successful backups', () => {
    // Act
    const plan = planRetention({ backups, policy: { keepLast: 2 }, now: '2026-11-21T00:00:00Z' });
    // Assess
    expect(kept(plan)).toHaveLength(10);
    expect(plan.brake).toEqual({
      tripped: true,
      sources: [
        {
          sourceId: 'src_a',
          tripped: true,
          acknowledged: false,
          wouldDelete: 8,
          successful: 10,
          reason: 'brake: would delete 8 of 10 (> 50 %)',
        },
      ],
    });
    expect(reasonsOf(plan, 'bkp_2026-11-01')).toEqual([
      'brake: would delete 8 of 10 (> 50 %)',
      'otherwise: no rule keeps it (last 2)',
    ]);
  });

  it('lets half through, and stops on a count limit too', () => {
    // Act
    const half = planRetention({ backups, policy: { keepLast: 5 }, now: '2026-11-21T00:00:00Z' });
    const counted = planRetention({
      backups,
      policy: { keepLast: 5 },
      now: '2026-11-21T00:00:00Z',
      brake: { maxDeleteCount: 4 },
    });
    // Assess
    expect(half.brake.tripped).toBe(false);
    expect(kept(half)).toHaveLength(5);
    expect(counted.brake.sources[0]?.reason).toBe('brake: would delete 5 of 10 (> 4 allowed)');
    expect(kept(counted)).toHaveLength(10);
  });

  it('is released by an acknowledgement covering the deletions, and trips again beyond it', () => {
    // Act
    const acknowledged = planRetention({
      backups,
      policy: { keepLast: 2 },
      now: '2026-11-21T00:00:00Z',
      brake: { acknowledged: { src_a: 8 } },
    });
    const tooMany = planRetention({
      backups,
      policy: { keepLast: 1 },
      now: '2026-11-21T00:00:00Z',
      brake: { acknowledged: { src_a: 8 } },
    });
    // Assess
    expect(acknowledged.brake.sources[0]).toMatchObject({ tripped: false, acknowledged: true, wouldDelete: 8 });
    expect(kept(acknowledged)).toHaveLength(2);
    expect(tooMany.brake.tripped).toBe(true);
    expect(kept(tooMany)).toHaveLength(10);
  });
});
