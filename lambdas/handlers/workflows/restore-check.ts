import { checkRestore } from '../../app/restores/check-restore';
import { restoreStateSchema } from '../../shared/job-events';
import { taskHandler } from '../../shared/middleware';
import { parseInput } from '../../shared/validation';
import { runtime } from '../wiring';

/** "Check restored": compares the restored tables and row counts with the backup's manifest. */
export const handler = taskHandler(async (event: unknown) =>
  checkRestore(runtime(), parseInput(restoreStateSchema, event, 'state')),
);
