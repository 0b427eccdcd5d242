import { z } from 'zod';
import { awaitRestoreApproval, checkApproval } from '../../app/restores/approval';
import { restoreEvent } from '../../domain/events';
import { taskHandler } from '../../shared/middleware';
import { idSchema, tenantIdSchema } from '../../shared/schemas';
import { parseInput } from '../../shared/validation';
import { publishEvents } from '../publish-events';
import { runtime } from '../wiring';

const ids = { tenantId: tenantIdSchema, restoreId: idSchema('restore') };

/** The two steps of the approval gate, one function: the state machine names the step in `action`. */
const approvalEventSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('check'), ...ids }),
  z.object({ action: z.literal('await'), ...ids, taskToken: z.string().min(1).max(2048) }),
]);

export const handler = taskHandler(async (event: unknown) => {
  const input = parseInput(approvalEventSchema, event, 'event');
  const deps = runtime();
  if (input.action === 'check') return checkApproval(deps, input);
  const restore = await awaitRestoreApproval(deps, input);
  await publishEvents([restoreEvent(restore, deps.clock.now().toISOString())]);
  return { restoreId: restore.id, status: restore.status };
});
