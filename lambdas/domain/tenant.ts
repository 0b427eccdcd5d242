import { PLANS, type PlanName, type TenantPlan } from './plans';

/**
 * A tenant as the platform sees it: the registry entry (first registration) and the plan an operator assigned. A
 * tenant without an assigned plan has the deployment's default plan (STRONGBOX_TENANT_PLAN).
 */
export interface TenantEntry {
  readonly tenantId: string;
  readonly registeredAt: string;
  readonly plan?: PlanName;
  /** Who assigned the plan, and when (an operator's subject). */
  readonly planAssignedBy?: string;
  readonly planAssignedAt?: string;
}

export interface TenantPlanChoice {
  readonly plan: TenantPlan;
  /** `assigned` by an operator, or the deployment's `default`. */
  readonly planSource: 'assigned' | 'default';
}

export function planOf(entry: TenantEntry | undefined, defaultPlan: PlanName): TenantPlanChoice {
  return entry?.plan === undefined
    ? { plan: PLANS[defaultPlan], planSource: 'default' }
    : { plan: PLANS[entry.plan], planSource: 'assigned' };
}

export function assignPlan(
  entry: TenantEntry | undefined,
  input: { tenantId: string; plan: PlanName; by: string; at: string },
): TenantEntry {
  return {
    tenantId: input.tenantId,
    registeredAt: entry?.registeredAt ?? input.at,
    plan: input.plan,
    planAssignedBy: input.by,
    planAssignedAt: input.at,
  };
}
