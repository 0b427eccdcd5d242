/**
 * The tenant's schedules in EventBridge Scheduler: one schedule group per tenant, one schedule per policy schedule
 * (named `<policyId>.<scheduleName>`), whose target is the dispatcher with a DispatchTarget input.
 */
export interface DispatchTarget {
  readonly tenantId: string;
  readonly policyId: string;
  readonly scheduleName: string;
}

export interface ScheduleSpec {
  /** `<policyId>.<scheduleName>`. */
  readonly name: string;
  readonly expression: string;
  readonly timezone: string;
  /** 0: the schedule fires at the time (Scheduler's FlexibleTimeWindow OFF). */
  readonly windowMinutes: number;
  /** A rate schedule's first fire (ISO-8601). */
  readonly startDate?: string;
  readonly target: DispatchTarget;
}

export interface TenantSchedules {
  /** Every schedule in the tenant's group (none when the group does not exist yet). */
  list(tenantId: string): Promise<ScheduleSpec[]>;
  /** Creates the group if needed, then creates or updates the schedule. */
  put(tenantId: string, spec: ScheduleSpec): Promise<void>;
  /** Deleting a schedule that is not there is a no-op. */
  delete(tenantId: string, name: string): Promise<void>;
}
