import type { Policy, PolicySchedule } from '../../domain/policy';
import { parseScheduleExpression, rateMinutes } from '../../domain/schedule';
import type { Catalog } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';
import type { ScheduleSpec, TenantSchedules } from '../../ports/schedules';
import { allPages } from '../all-pages';

export interface ReconcileDeps {
  readonly catalog: Pick<Catalog, 'policies'>;
  readonly schedules: TenantSchedules;
  readonly clock: Clock;
}

const MS_PER_MINUTE = 60_000;

/** A rate schedule's interval in ms, or undefined for cron. */
function rateInterval(schedule: Pick<PolicySchedule, 'expression'>): number | undefined {
  const expression = parseScheduleExpression(schedule.expression);
  return expression.kind === 'rate' ? rateMinutes(expression) * MS_PER_MINUTE : undefined;
}

/**
 * The StartDate to give Scheduler for a rate schedule: its own start while that is recent, else the first fire of the
 * same rhythm a few minutes ahead — Scheduler refuses a StartDate more than 5 minutes in the past, and a schedule
 * re-created by a repair must keep its rhythm (start + k·interval).
 */
export function schedulerStartDate(schedule: PolicySchedule, now: Date): string | undefined {
  const interval = rateInterval(schedule);
  if (interval === undefined) return undefined;
  const start = Date.parse(schedule.startDate);
  const earliest = now.getTime() + MS_PER_MINUTE;
  if (start >= now.getTime() - 4 * MS_PER_MINUTE) return schedule.startDate;
  const k = Math.ceil((earliest - start) / interval);
  return new Date(start + k * interval).toISOString();
}

export interface ReconcileResult {
  readonly created: readonly string[];
  readonly updated: readonly string[];
  readonly deleted: readonly string[];
  readonly unchanged: number;
}

/** The Scheduler schedule of one policy schedule. */
export function scheduleSpecName(policyId: string, scheduleName: string): string {
  return `${policyId}.${scheduleName}`;
}

/** The Scheduler schedules a policy wants: one per policy schedule; a rate schedule keeps its startDate's rhythm. */
export function wantedSchedules(policy: Policy, now: Date): ScheduleSpec[] {
  return policy.schedules.map((schedule) => {
    const startDate = schedulerStartDate(schedule, now);
    return {
      name: scheduleSpecName(policy.id, schedule.name),
      expression: schedule.expression,
      timezone: schedule.timezone,
      windowMinutes: schedule.windowMinutes,
      ...(startDate === undefined ? {} : { startDate }),
      target: { tenantId: policy.tenantId, policyId: policy.id, scheduleName: schedule.name },
    };
  });
}

/** Same start for Scheduler's purposes: none wanted, or both on the same rhythm (start + k·interval). */
function sameStart(wanted: ScheduleSpec, actual: ScheduleSpec): boolean {
  if (wanted.startDate === undefined) return true;
  if (actual.startDate === undefined) return false;
  const interval = rateInterval(wanted);
  const gap = Date.parse(actual.startDate) - Date.parse(wanted.startDate);
  return interval === undefined ? gap === 0 : gap % interval === 0;
}

function same(a: ScheduleSpec, b: ScheduleSpec): boolean {
  return (
    a.expression === b.expression &&
    a.timezone === b.timezone &&
    a.windowMinutes === b.windowMinutes &&
    sameStart(a, b) &&
    a.target.tenantId === b.target.tenantId &&
    a.target.policyId === b.target.policyId &&
    a.target.scheduleName === b.target.scheduleName
  );
}

/**
 * Makes the tenant's Scheduler schedules what the catalog's policies say (the catalog is the truth): creates what is
 * missing, updates what differs (expression, zone, window, start, target input — drift repaired), deletes schedules no
 * policy wants. `policyId` limits it to one policy's schedules (after a PUT or DELETE of that policy); without it, the
 * whole group is reconciled. Idempotent: a second run changes nothing.
 */
export async function reconcileSchedules(
  deps: ReconcileDeps,
  input: { tenantId: string; policyId?: string },
): Promise<ReconcileResult> {
  const { tenantId, policyId } = input;
  const policies: Policy[] = [];
  if (policyId !== undefined) {
    const policy = await deps.catalog.policies.get(tenantId, policyId);
    if (policy) policies.push(policy);
  } else {
    policies.push(...(await allPages((page) => deps.catalog.policies.list(tenantId, page))));
  }
  const now = deps.clock.now();
  const wanted = new Map(policies.flatMap((policy) => wantedSchedules(policy, now)).map((spec) => [spec.name, spec]));
  const inScope = (name: string) => policyId === undefined || name.startsWith(`${policyId}.`);
  const actual = (await deps.schedules.list(tenantId)).filter((spec) => inScope(spec.name));
  const found = new Map(actual.map((spec) => [spec.name, spec]));

  const created: string[] = [];
  const updated: string[] = [];
  const deleted: string[] = [];
  let unchanged = 0;
  for (const spec of wanted.values()) {
    const current = found.get(spec.name);
    if (current && same(spec, current)) {
      unchanged += 1;
      continue;
    }
    await deps.schedules.put(tenantId, spec);
    (current ? updated : created).push(spec.name);
  }
  for (const spec of actual) {
    if (wanted.has(spec.name)) continue;
    await deps.schedules.delete(tenantId, spec.name);
    deleted.push(spec.name);
  }
  return { created, updated, deleted, unchanged };
}
