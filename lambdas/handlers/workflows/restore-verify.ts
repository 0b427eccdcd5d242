import { requireVerifiedBackup } from '../../app/backups/verify-backup';
import { getRestore } from '../../app/restores/restore-context';
import { restoreStateSchema } from '../../shared/job-events';
import { taskHandler } from '../../shared/middleware';
import { parseInput } from '../../shared/validation';
import { runtime } from '../wiring';

/** "Verify backup": re-reads the stored dump; a checksum mismatch stops the restore before anything is created. */
export const handler = taskHandler(async (event: unknown) => {
  const state = parseInput(restoreStateSchema, event, 'state');
  const deps = runtime();
  const restore = await getRestore(deps.catalog, state.tenantId, state.restoreId);
  const backup = await requireVerifiedBackup(deps, { tenantId: restore.tenantId, backupId: restore.backupId });
  return { backupId: backup.id, sha256: backup.sha256 };
});
