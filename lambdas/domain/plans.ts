/**
 * Tenant plans: the limits a tenant's plan sets on policies (and, later, on manual backups). The names and limits are
 * the service's defaults; a deployment picks the plan tenants get (STRONGBOX_TENANT_PLAN) until plans are assigned
 * per tenant by operators.
 */
export interface TenantPlan {
  readonly name: string;
  /** The shortest gap between two fires of any policy schedule. */
  readonly minScheduleIntervalMinutes: number;
  readonly maxPolicies: number;
  /** Manual backups a tenant may start per calendar month (UTC); failed ones do not count. */
  readonly manualPerMonth: number;
}

export const PLANS = {
  free: { name: 'free', minScheduleIntervalMinutes: 1440, maxPolicies: 2, manualPerMonth: 10 },
  standard: { name: 'standard', minScheduleIntervalMinutes: 60, maxPolicies: 50, manualPerMonth: 100 },
  business: { name: 'business', minScheduleIntervalMinutes: 5, maxPolicies: 500, manualPerMonth: 1000 },
} as const satisfies Record<string, TenantPlan>;

export type PlanName = keyof typeof PLANS;
export const PLAN_NAMES = Object.keys(PLANS) as PlanName[];
