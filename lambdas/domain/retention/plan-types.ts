import type { CountRule, RetentionPolicy } from './policy';

/** What the planner needs of a catalog backup record. */
export interface RetentionBackup {
  readonly id: string;
  readonly sourceId: string;
  /** ISO-8601 instant. */
  readonly createdAt: string;
  readonly status: 'pending' | 'running' | 'succeeded' | 'failed' | 'deleting' | 'deleted';
  /** `manual`, `scheduled`, `pre-restore`, `drill`… */
  readonly trigger: string;
  readonly tenantId?: string;
  readonly legalHold?: boolean;
  /** Under an S3 Object Lock retention (or an RDS/EBS lock) that forbids deletion now. */
  readonly locked?: boolean;
  /** The backup this one depends on (an incremental's base): kept while this one is kept. */
  readonly parentId?: string;
  /**
   * For a DR copy: the backup it copies. A copy follows its original (kept with it, deleted with it) instead of
   * taking a place in the GFS buckets; a copy whose original is not in the input is planned like any backup.
   */
  readonly copyOf?: string;
}

export interface BrakeOptions {
  /** A source's plan stops when it would delete more than this share of its successful backups. Default 0.5. */
  readonly maxDeleteShare?: number;
  /** …or more than this many of them. Default: no limit. */
  readonly maxDeleteCount?: number;
  /**
   * Admin acknowledgements: source id → the number of deletions the admin accepted after a tripped brake. The brake
   * stays released while the plan deletes at most that many; a plan that would delete more trips it again.
   */
  readonly acknowledged?: Readonly<Record<string, number>>;
}

export interface PlanRetentionInput {
  readonly backups: readonly RetentionBackup[];
  readonly policy: RetentionPolicy;
  /** Per-source policies that replace `policy` for those sources. */
  readonly policyBySource?: Readonly<Record<string, RetentionPolicy>>;
  /** The planning instant (ISO-8601 or Date). */
  readonly now: string | Date;
  /** When given, a backup carrying another `tenantId` is never deleted. */
  readonly tenantId?: string;
  /** Pre-restore backups of restores that are still open (not yet succeeded, failed or rejected). */
  readonly openRestorePreRestoreIds?: Iterable<string>;
  /** Backups that open restores are restoring from. */
  readonly openRestoreBackupIds?: Iterable<string>;
  readonly brake?: BrakeOptions;
}

export type RetentionAction = 'keep' | 'delete';

/** A count rule that keeps a backup, and where: `position` of `wanted` buckets (1 = newest). */
export interface TierPlace {
  readonly rule: CountRule | 'manual-last';
  readonly position: number;
  readonly wanted: number | 'unlimited';
  /** restic's "oldest" keep: no bucket of its own, only until the rule fills up. */
  readonly oldest?: boolean;
}

export interface RetentionDecision {
  readonly backupId: string;
  readonly sourceId: string;
  readonly action: RetentionAction;
  readonly reasons: readonly string[];
  /** For kept backups: the count rules that keep it (the archive plan reads these). */
  readonly tiers?: readonly TierPlace[];
}

export type CoverageRule = CountRule | 'manual-last';

export interface TierCoverage {
  readonly sourceId: string;
  readonly rule: CoverageRule;
  readonly wanted: number | 'unlimited';
  /** Distinct buckets this rule kept a backup for (for `last`: backups). */
  readonly covered: number;
  /** Their labels, newest first: `2026-11-20T14`, `2026-11-20`, `2026-W47`, `2026-11`, `2026`, or the createdAt for `last`. */
  readonly buckets: readonly string[];
}

export interface SourceBrake {
  readonly sourceId: string;
  readonly tripped: boolean;
  readonly acknowledged: boolean;
  /** Deletions the rules asked for, before the brake. */
  readonly wouldDelete: number;
  /** Successful backups of the source (the brake's denominator). */
  readonly successful: number;
  readonly reason?: string;
}

export interface RetentionPlan {
  /** One per input backup, by source id, then newest first (createdAt, then id, descending). */
  readonly decisions: readonly RetentionDecision[];
  readonly coverage: readonly TierCoverage[];
  readonly brake: { readonly tripped: boolean; readonly sources: readonly SourceBrake[] };
}

export const DEFAULT_MAX_DELETE_SHARE = 0.5;

export const REASON = {
  inProgress: 'in progress',
  failed: 'failed: catalog record expires by TTL',
  alreadyDeleted: 'already deleted',
  newest: 'newest successful',
  legalHold: 'legal hold',
  locked: 'object lock',
  openRestore: 'pre-restore backup of an open restore',
  beingRestored: 'an open restore is reading it',
  resumeDeletion: 'deletion started by an earlier run: finishing it',
  future: 'created after now (clock skew?)',
  unreadableTime: 'createdAt is not a valid instant',
  otherTenant: "another tenant's backup",
  emptyPolicy: 'policy is empty: restic keeps everything',
} as const;
