import { prepareRestore } from '../../app/restores/prepare-restore';
import { restoreMachineInputSchema } from '../../shared/job-events';
import { taskHandler } from '../../shared/middleware';
import { parseInput } from '../../shared/validation';
import { runtime } from '../wiring';

/** "Prepare restore": validates (and for operators, records) the restore and checks the target before anything is created. */
export const handler = taskHandler(async (event: unknown) => {
  const input = parseInput(restoreMachineInputSchema, event, 'input');
  return prepareRestore(
    runtime(),
    'restoreId' in input ? input : { ...input, requestedBy: input.requestedBy ?? 'operator' },
  );
});
