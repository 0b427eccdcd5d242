import type { Policy } from '../../domain/policy';
import type { Catalog } from '../../ports/catalog';
import type { ScheduleSpec, TenantSchedules } from '../../ports/schedules';

export interface ReconcileDeps {
  readonly catalog: Pick<Catalog, 'policies'>;
  readonly schedules: TenantSchedules;
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

/** The Scheduler schedules a policy wants: one per policy schedule; a rate schedule starts at its startDate. */
export function wantedSchedules(policy: Policy): ScheduleSpec[] {
  return policy.schedules.map((schedule) => ({
    name: scheduleSpecName(policy.id, schedule.name),
    expression: schedule.expression,
    timezone: schedule.timezone,
    windowMinutes: schedule.windowMinutes,
    ...(schedule.expression.startsWith('rate(') ? { startDate: schedule.startDate } : {}),
    target: { tenantId: policy.tenantId, policyId: policy.id, scheduleName: schedule.name },
  }));
}

function same(a: ScheduleSpec, b: ScheduleSpec): boolean {
  return (
    a.expression === b.expression &&
    a.timezone === b.timezone &&
    a.windowMinutes === b.windowMinutes &&
    (a.startDate === undefined || a.startDate === b.startDate) &&
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
    let cursor: string | undefined;
    do {
      const page = await deps.catalog.policies.list(tenantId, { limit: 100, ...(cursor ? { cursor } : {}) });
      policies.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
  }
  const wanted = new Map(policies.flatMap(wantedSchedules).map((spec) => [spec.name, spec]));
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
