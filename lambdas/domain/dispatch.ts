/**
 * A dispatch: what one firing of a policy schedule did — the backups it started and the sources it skipped, with why.
 * Written once per (policy, schedule, scheduled time): a repeated delivery of the same firing finds the earlier result
 * (docs/schedules.md, "Exactly once").
 */
export type DispatchOutcome =
  | { readonly sourceId: string; readonly outcome: 'started'; readonly backupId: string }
  | { readonly sourceId: string; readonly outcome: 'skipped'; readonly code: string; readonly message: string };

export interface Dispatch {
  readonly tenantId: string;
  readonly id: string;
  readonly policyId: string;
  readonly scheduleName: string;
  /** The time the schedule fired for (EventBridge Scheduler's `<aws.scheduler.scheduled-time>`), ISO-8601 UTC. */
  readonly scheduledTime: string;
  /** When the dispatch ran (later than scheduledTime by the flexible window and delivery delay). */
  readonly at: string;
  readonly outcomes: readonly DispatchOutcome[];
  /** Explicit source ids of the policy that no longer exist. */
  readonly missingSources: readonly string[];
  /** Set when the policy or schedule no longer exists (a schedule deleted after it fired): nothing was started. */
  readonly stale?: string;
}

/** Skip codes, as recorded and reported. */
export const SKIP_CODES = {
  running: 'previous_backup_running',
  failed: 'start_failed',
} as const;
