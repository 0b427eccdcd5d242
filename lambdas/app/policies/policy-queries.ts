import type { Dispatch } from '../../domain/dispatch';
import { NotFoundError } from '../../domain/errors';
import type { Policy } from '../../domain/policy';
import { formatLocal, nextRuns, parseScheduleExpression } from '../../domain/schedule';
import type { Catalog, Page, PageRequest } from '../../ports/catalog';

export async function getPolicy(catalog: Pick<Catalog, 'policies'>, tenantId: string, id: string): Promise<Policy> {
  const policy = await catalog.policies.get(tenantId, id);
  if (!policy) throw new NotFoundError('policy', id);
  return policy;
}

export async function listPolicies(
  catalog: Pick<Catalog, 'policies'>,
  tenantId: string,
  page: PageRequest,
): Promise<Page<Policy>> {
  return catalog.policies.list(tenantId, page);
}

export async function listDispatches(
  catalog: Pick<Catalog, 'policies' | 'dispatches'>,
  tenantId: string,
  input: PageRequest & { policyId: string },
): Promise<Page<Dispatch>> {
  await getPolicy(catalog, tenantId, input.policyId);
  return catalog.dispatches.list(tenantId, input);
}

export interface NextRun {
  readonly schedule: string;
  /** ISO-8601 UTC. */
  readonly utc: string;
  /** ISO-8601 with the offset of the schedule's time zone, e.g. 2027-03-28T03:00:00+01:00. */
  readonly local: string;
  readonly timezone: string;
  /** The backup starts within this many minutes after the time (the flexible window). */
  readonly windowMinutes: number;
}

/**
 * The next `count` fire times of a policy over all its schedules, soonest first, in UTC and in each schedule's zone,
 * as EventBridge Scheduler computes them (docs/schedules.md: a local time skipped by a spring-forward change does not
 * fire; one repeated by a fall-back change fires once).
 */
export async function policyNextRuns(
  deps: { catalog: Pick<Catalog, 'policies'>; clock: { now(): Date } },
  input: { tenantId: string; policyId: string; count: number },
): Promise<{ now: string; runs: NextRun[] }> {
  const policy = await getPolicy(deps.catalog, input.tenantId, input.policyId);
  const now = deps.clock.now();
  const runs = policy.schedules.flatMap((schedule) => {
    const expression = parseScheduleExpression(schedule.expression);
    const times = nextRuns(expression, {
      timeZone: schedule.timezone,
      after: now,
      count: input.count,
      start: new Date(schedule.startDate),
    });
    return times.map((time) => ({
      schedule: schedule.name,
      utc: time.toISOString(),
      local: formatLocal(time, schedule.timezone),
      timezone: schedule.timezone,
      windowMinutes: schedule.windowMinutes,
    }));
  });
  runs.sort((a, b) => (a.utc < b.utc ? -1 : a.utc > b.utc ? 1 : a.schedule < b.schedule ? -1 : 1));
  return { now: now.toISOString(), runs: runs.slice(0, input.count) };
}
