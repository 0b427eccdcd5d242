import { loadRestore } from '../../app/restores/load-restore';
import { restoreStateSchema } from '../../shared/job-events';
import { taskHandler } from '../../shared/middleware';
import { parseInput } from '../../shared/validation';
import { runtime } from '../wiring';

/** "Load dump": creates the target database and streams the verified dump into it. */
export const handler = taskHandler(async (event: unknown) => {
  await loadRestore(runtime(), parseInput(restoreStateSchema, event, 'state'));
  return null;
});
