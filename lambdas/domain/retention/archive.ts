import { type Backup, isSnapshotBackup } from '../backup';
import type { RetentionDecision, TierPlace } from './plan-types';
import type { RetentionPolicy } from './policy';

/**
 * The archive plan: which kept EBS snapshot backups move to the archive tier (ModifySnapshotTier). Pure.
 *
 * A backup is archived when the policy asks for it (`archive: true`), it is a completed EBS snapshot backup still in the
 * standard tier, it is kept by the monthly and/or yearly tiers and by NOTHING else (not the newest, not a daily or
 * weekly bucket, not keepWithin, not a hold: those are the backups someone may restore in a hurry), and those tiers
 * will keep it at least ARCHIVE_MINIMUM_DAYS more (archived snapshots are billed for 90 days at least). A bucket at
 * position p of n keeps its backup roughly until n − p newer buckets appear: (n − p) months or years.
 */
export const ARCHIVE_MINIMUM_DAYS = 90;

const DAYS_PER: Readonly<Record<string, number>> = { monthly: 28, yearly: 365 };

export interface ArchiveCandidate {
  readonly id: string;
  /** True for a completed EBS snapshot backup (volume or instance) whose snapshots are all in the standard tier. */
  readonly archivable: boolean;
}

export interface ArchiveDecision {
  readonly backupId: string;
  readonly sourceId: string;
  readonly reason: string;
}

/** Days the tier keeps the backup at least (a lower bound), or undefined when it is not a long-term tier. */
function guaranteedDays(place: TierPlace): number | undefined {
  const per = DAYS_PER[place.rule];
  if (per === undefined || place.oldest === true) return undefined;
  if (place.wanted === 'unlimited') return Number.POSITIVE_INFINITY;
  return (place.wanted - place.position) * per;
}

export function planArchive(input: {
  readonly decisions: readonly RetentionDecision[];
  readonly candidates: readonly ArchiveCandidate[];
  /** The policy of each decision's source (archive applies where `archive` is true). */
  readonly policyOf: (sourceId: string) => RetentionPolicy | undefined;
}): ArchiveDecision[] {
  const archivable = new Set(input.candidates.filter((candidate) => candidate.archivable).map((c) => c.id));
  const out: ArchiveDecision[] = [];
  for (const decision of input.decisions) {
    if (decision.action !== 'keep' || !archivable.has(decision.backupId)) continue;
    if (input.policyOf(decision.sourceId)?.archive !== true) continue;
    const tiers = decision.tiers ?? [];
    // Every reason must be a tier place: anything else (newest, within, daily, hold…) keeps it in the standard tier.
    if (tiers.length === 0 || tiers.length !== decision.reasons.length) continue;
    let best = Number.NEGATIVE_INFINITY;
    let ok = true;
    for (const place of tiers) {
      const days = guaranteedDays(place);
      if (days === undefined) {
        ok = false;
        break;
      }
      best = Math.max(best, days);
    }
    if (!ok || best < ARCHIVE_MINIMUM_DAYS) continue;
    const kept = decision.reasons.join(', ');
    const horizon = best === Number.POSITIVE_INFINITY ? 'indefinitely' : `≥ ${best} more days`;
    out.push({
      backupId: decision.backupId,
      sourceId: decision.sourceId,
      reason: `archive tier: kept only by ${kept}, ${horizon}`,
    });
  }
  return out;
}

/** True for a completed EBS snapshot backup with a snapshot still in the standard tier (what the archive tier takes). */
export function isArchivable(backup: Backup): boolean {
  if (!isSnapshotBackup(backup) || backup.status !== 'succeeded') return false;
  if (backup.sourceType !== 'ebs-volume' && backup.sourceType !== 'ec2-instance') return false;
  const snapshots = backup.snapshots ?? [];
  return (
    snapshots.length > 0 &&
    snapshots.every((s) => s.type === 'ebs-snapshot') &&
    snapshots.some((s) => s.storageTier !== 'archive')
  );
}
