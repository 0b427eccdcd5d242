import type { SourceBrake } from './plan-types';

/**
 * A prune run's record, one per tenant and run (catalog item `PRUNERUN#<prn_id>` in the tenant's partition): what the
 * run planned and did per source, why it skipped what it skipped, and whether the brake stopped a source. The state
 * machine's own state (PruneCursor) is separate and small; this record is what tenants and operators read.
 */
export interface PruneSkip {
  readonly backupId: string;
  /** `locked`, `legal_hold`, `in_use`, `stale_state`, `error`. */
  readonly code: string;
  readonly message: string;
}

export interface PruneSourceReport {
  readonly sourceId: string;
  /** Deletions the plan asked for (after the brake). */
  readonly planned: number;
  readonly deleted: number;
  readonly archived: number;
  /** At most MAX_REPORTED_SKIPS entries; `skippedCount` has the total. */
  readonly skipped: readonly PruneSkip[];
  readonly skippedCount: number;
  readonly brake?: SourceBrake;
}

export interface PruneRun {
  readonly tenantId: string;
  readonly id: string;
  /** The planning instant of the whole run (every step plans with it, so a rerun of a step plans the same). */
  readonly now: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly status: 'running' | 'finished';
  readonly sources: readonly PruneSourceReport[];
}

export const MAX_REPORTED_SKIPS = 50;
