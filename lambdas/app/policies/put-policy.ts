import { NotFoundError, ValidationError } from '../../domain/errors';
import type { TenantPlan } from '../../domain/plans';
import { type Policy, type PolicyInput, putPolicy } from '../../domain/policy';
import { assertFires, minimumIntervalMinutes, parseScheduleExpression } from '../../domain/schedule';
import type { Catalog } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';
import type { TenantSchedules } from '../../ports/schedules';
import { requireValidRetention } from '../sources/source-settings';
import { type ReconcileResult, reconcileSchedules, scheduleSpecName } from './reconcile-schedules';

export interface PutPolicyDeps {
  readonly catalog: Pick<Catalog, 'policies' | 'sources' | 'tenants'>;
  readonly schedules: TenantSchedules;
  readonly clock: Clock;
  readonly plan: TenantPlan;
}

/** Checks each schedule: a valid expression that fires, not more often than the plan allows. */
export function validateSchedules(input: Pick<PolicyInput, 'schedules'>, plan: TenantPlan, now: Date): void {
  for (const [index, schedule] of input.schedules.entries()) {
    const path = `schedules.${index}.expression`;
    const expression = parseScheduleExpression(schedule.expression, path);
    assertFires(expression, { timeZone: schedule.timezone, after: now, path });
    const minutes = minimumIntervalMinutes(expression, { timeZone: schedule.timezone, after: now });
    if (minutes < plan.minScheduleIntervalMinutes) {
      const message = `fires every ${minutes} minutes at times; the ${plan.name} plan allows at most every ${plan.minScheduleIntervalMinutes} minutes`;
      throw new ValidationError(message, [{ path, message }]);
    }
  }
}

/**
 * Creates or replaces a policy (`PUT /v1/policies/{id}`): schedules validated (syntax, time zone, plan's minimum
 * interval), explicit sources must exist, the policy count is within the plan; then the catalog (at the revision read,
 * so a concurrent PUT fails rather than being lost) and the tenant's Scheduler schedules are reconciled to it. The
 * catalog is the truth: if reconciling fails, the error says so and a retry (or POST /v1/schedules/reconcile) repairs.
 */
export async function putTenantPolicy(
  deps: PutPolicyDeps,
  input: PolicyInput,
): Promise<{ policy: Policy; schedules: ReconcileResult }> {
  const now = deps.clock.now();
  validateSchedules(input, deps.plan, now);
  // Checked here as on a source: a bad one stored would fail every prune of the tenant.
  if (input.settings?.retention) requireValidRetention(input.settings.retention);
  for (const [index, sourceId] of input.sources.ids.entries()) {
    if (!(await deps.catalog.sources.get(input.tenantId, sourceId))) {
      throw new ValidationError(`source ${sourceId} does not exist`, [
        { path: `sources.ids.${index}`, message: 'is not a source of this tenant' },
      ]);
    }
  }
  const current = await deps.catalog.policies.get(input.tenantId, input.id);
  if (!current) await requireRoomForPolicy(deps, input.tenantId);
  const policy = putPolicy(current, input, now);
  // Account-wide jobs (the daily schedule repair, the missed-backup sweep) walk the tenant registry.
  await deps.catalog.tenants.register(input.tenantId, now.toISOString());
  await deps.catalog.policies.put(policy, current ? current.revision : 'absent');
  const schedules = await reconcileSchedules(deps, { tenantId: input.tenantId, policyId: input.id });
  return { policy, schedules };
}

async function requireRoomForPolicy(deps: PutPolicyDeps, tenantId: string): Promise<void> {
  const { maxPolicies, name } = deps.plan;
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.catalog.policies.list(tenantId, { limit: 100, ...(cursor ? { cursor } : {}) });
    count += page.items.length;
    cursor = page.nextCursor;
  } while (cursor && count < maxPolicies);
  if (count >= maxPolicies) {
    throw new ValidationError(`the ${name} plan allows ${maxPolicies} policies`, [
      { path: 'id', message: `would be policy ${maxPolicies + 1}; the ${name} plan allows ${maxPolicies}` },
    ]);
  }
}

/** Deletes a policy and its Scheduler schedules (schedules first: a policy is never gone while it still fires). */
export async function deleteTenantPolicy(
  deps: Pick<PutPolicyDeps, 'catalog' | 'schedules' | 'clock'>,
  input: { tenantId: string; policyId: string },
): Promise<void> {
  const policy = await deps.catalog.policies.get(input.tenantId, input.policyId);
  if (!policy) throw new NotFoundError('policy', input.policyId);
  for (const schedule of policy.schedules) {
    await deps.schedules.delete(input.tenantId, scheduleSpecName(policy.id, schedule.name));
  }
  await deps.catalog.policies.delete(input.tenantId, input.policyId);
  // Anything else left in the group under this policy's name (drift) goes too.
  await reconcileSchedules(deps, input);
}
