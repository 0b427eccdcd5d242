/** What happens when a source already has its plan's number of manual backups: refuse a new one, or make room. */
export type WhenManualKeptFull = 'reject' | 'expire_oldest';

/**
 * Tenant plans: the limits a tenant's plan sets on policies and manual backups. The names and limits are
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
  /** Manual backups kept per source (pending, running and succeeded ones; scheduled backups are not counted). */
  readonly manualKeptPerSource: number;
  /**
   * Beyond that: `reject` refuses the new manual backup (409 manual_backups_full); `expire_oldest` takes it and, once it
   * has succeeded, hands the oldest manual backup beyond the cap to retention for deletion (like Heroku's capture).
   */
  readonly whenManualKeptFull: WhenManualKeptFull;
  /** Backups of the tenant pending or running at once, beyond which a manual one is refused (429); scheduled ones never. */
  readonly maxRunningBackups: number;
  /** Restores of the tenant under way at once (waiting for approval does not count), beyond which a new one is a 429. */
  readonly maxRunningRestores: number;
}

export const PLANS = {
  free: {
    name: 'free',
    minScheduleIntervalMinutes: 1440,
    maxPolicies: 2,
    manualPerMonth: 10,
    manualKeptPerSource: 2,
    whenManualKeptFull: 'reject',
    maxRunningBackups: 2,
    maxRunningRestores: 1,
  },
  standard: {
    name: 'standard',
    minScheduleIntervalMinutes: 60,
    maxPolicies: 50,
    manualPerMonth: 100,
    manualKeptPerSource: 10,
    whenManualKeptFull: 'expire_oldest',
    maxRunningBackups: 10,
    maxRunningRestores: 3,
  },
  business: {
    name: 'business',
    minScheduleIntervalMinutes: 5,
    maxPolicies: 500,
    manualPerMonth: 1000,
    manualKeptPerSource: 50,
    whenManualKeptFull: 'expire_oldest',
    maxRunningBackups: 50,
    maxRunningRestores: 10,
  },
} as const satisfies Record<string, TenantPlan>;

export type PlanName = keyof typeof PLANS;
export const PLAN_NAMES = Object.keys(PLANS) as PlanName[];
