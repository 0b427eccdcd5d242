import { preRestoreBackup } from '../../app/restores/pre-restore-backup';
import { restoreStateSchema } from '../../shared/job-events';
import { taskHandler } from '../../shared/middleware';
import { parseInput } from '../../shared/validation';
import { runtime } from '../wiring';

/** "Pre-restore backup": backs up the database a restore is about to replace. */
export const handler = taskHandler(async (event: unknown) =>
  preRestoreBackup(runtime(), parseInput(restoreStateSchema, event, 'state')),
);
