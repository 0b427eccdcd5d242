import { SnapshotQuotaExceededError } from '../../domain/errors';
import { quotaAllows, type SnapshotQuotaUsage } from '../../domain/snapshot';
import type { SnapshotSourceType } from '../../domain/source';
import type { CloudResources } from '../../ports/cloud';

export function isRdsSourceType(type: SnapshotSourceType): boolean {
  return type === 'rds-instance' || type === 'rds-cluster';
}

/**
 * Refuses an RDS snapshot (or DR copy) that would exceed the region's manual snapshot quota, before anything is
 * created: AWS would refuse it mid-backup with a far less helpful message. Returns the usage (for the metric).
 */
export async function requireRdsQuota(
  cloud: CloudResources,
  region: string,
  needed: number,
  what = 'this backup',
): Promise<SnapshotQuotaUsage> {
  const usage = await cloud.rds.manualSnapshotUsage(region);
  if (!quotaAllows(usage, needed)) {
    throw new SnapshotQuotaExceededError(
      `the RDS manual snapshot quota in ${region} is nearly full: ${usage.used} of ${usage.max} manual snapshots ` +
        `are in use and ${what} needs ${needed} more. Delete old manual snapshots in ${region} (or expire old ` +
        `backups), or ask the platform team to raise the quota, then try again.`,
    );
  }
  return usage;
}

export function quotaPercent(usage: SnapshotQuotaUsage): number {
  return usage.max > 0 ? Math.round((usage.used / usage.max) * 1000) / 10 : 100;
}
