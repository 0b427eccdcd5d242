import type { Backup } from './backup';
import type { Policy } from './policy';
import { nextRuns, parseScheduleExpression } from './schedule';

/**
 * Missed backups (RPO): a source selected by a policy schedule is `missed` when the first time that schedule fired
 * after the source's newest successful backup (or after the schedule took effect, if later) is more than its flexible
 * window plus a grace period ago, and no successful backup has happened since. With several schedules (of one or more
 * policies) the strictest one — the earliest deadline — decides. Any successful backup counts: manual ones protect
 * the data as well as scheduled ones.
 */
export const DEFAULT_RPO_GRACE_MINUTES = 60;
const MS_PER_MINUTE = 60_000;

export interface RpoStatus {
  readonly tenantId: string;
  readonly sourceId: string;
  readonly status: 'ok' | 'missed';
  readonly checkedAt: string;
  /** When a successful backup is due at the latest (the strictest schedule's fire + window + grace). */
  readonly deadline: string;
  readonly policyId: string;
  readonly scheduleName: string;
  /** The fire time whose backup is (or was) awaited. */
  readonly expectedAt: string;
  readonly lastSuccessAt?: string;
  /** Since when the source has been missed (the deadline that passed); kept until a backup succeeds. */
  readonly missedSince?: string;
}

export interface RpoInput {
  readonly tenantId: string;
  readonly sourceId: string;
  /** The policies selecting this source (the caller resolves selectors). */
  readonly policies: readonly Pick<Policy, 'id' | 'schedules'>[];
  /** The source's newest successful backup, if any. */
  readonly lastSuccess?: Pick<Backup, 'createdAt'>;
  /** When the source was registered: a schedule cannot be missed before its source existed. */
  readonly sourceCreatedAt: string;
  readonly now: Date;
  readonly graceMinutes: number;
}

/** The RPO status of one source now, or undefined when no schedule selects it (nothing is expected of it). */
export function rpoStatus(input: RpoInput): RpoStatus | undefined {
  let strictest: { deadline: number; expectedAt: number; policyId: string; scheduleName: string } | undefined;
  const lastSuccess = input.lastSuccess ? Date.parse(input.lastSuccess.createdAt) : undefined;
  for (const policy of input.policies) {
    for (const schedule of policy.schedules) {
      const start = Date.parse(schedule.startDate);
      const anchor = Math.max(lastSuccess ?? 0, start, Date.parse(input.sourceCreatedAt));
      const [expected] = nextRuns(parseScheduleExpression(schedule.expression), {
        timeZone: schedule.timezone,
        after: new Date(anchor),
        count: 1,
        start: new Date(start),
      });
      if (!expected) continue;
      const deadline = expected.getTime() + (schedule.windowMinutes + input.graceMinutes) * MS_PER_MINUTE;
      if (!strictest || deadline < strictest.deadline) {
        strictest = { deadline, expectedAt: expected.getTime(), policyId: policy.id, scheduleName: schedule.name };
      }
    }
  }
  if (!strictest) return undefined;
  const missed = input.now.getTime() > strictest.deadline;
  return {
    tenantId: input.tenantId,
    sourceId: input.sourceId,
    status: missed ? 'missed' : 'ok',
    checkedAt: input.now.toISOString(),
    deadline: new Date(strictest.deadline).toISOString(),
    policyId: strictest.policyId,
    scheduleName: strictest.scheduleName,
    expectedAt: new Date(strictest.expectedAt).toISOString(),
    ...(input.lastSuccess ? { lastSuccessAt: input.lastSuccess.createdAt } : {}),
    ...(missed ? { missedSince: new Date(strictest.deadline).toISOString() } : {}),
  };
}

/** Whether a new status is news: a change of state, or a first check. */
export function rpoChanged(before: RpoStatus | undefined, after: RpoStatus): boolean {
  return before?.status !== after.status || before.deadline !== after.deadline;
}
