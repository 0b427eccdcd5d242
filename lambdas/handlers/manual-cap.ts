import { expireSurplusManual } from '../app/backups/manual-kept';
import { tenantPlan } from '../app/tenants/tenant-plans';
import type { Backup } from '../domain/backup';
import { logger } from '../shared/powertools';
import { runtime } from './wiring';

/**
 * After a backup is recorded: a succeeded manual backup beyond the plan's cap hands the oldest to retention
 * (app/backups/manual-kept.ts). Best effort: the new backup is recorded, and a failure here must not fail it (the next
 * manual backup tries again); it is logged.
 */
export async function makeRoomForManual(backup: Backup): Promise<void> {
  const deps = runtime();
  try {
    const plan = await tenantPlan(deps.catalog, backup.tenantId, deps.env.STRONGBOX_TENANT_PLAN);
    const expired = await expireSurplusManual(deps, { backup, plan });
    if (expired.length > 0) logger.info('manual backups beyond the plan handed to retention', { expired });
  } catch (error) {
    logger.error('could not make room for a manual backup', { backupId: backup.id, error: error as Error });
  }
}
