import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { completeDumpRestore } from '../../app/restores/finish-restore';
import { restoreEvent } from '../../domain/events';
import { restoreStateSchema } from '../../shared/job-events';
import { taskHandler } from '../../shared/middleware';
import { METRIC, metrics } from '../../shared/powertools';
import { parseInput } from '../../shared/validation';
import { publishEvents } from '../publish-events';
import { runtime } from '../wiring';

const completeSchema = restoreStateSchema.extend({
  check: z.object({ tables: z.number().int().min(0), rows: z.number().int().min(0).optional() }),
});

/** "Record success". */
export const handler = taskHandler(async (event: unknown) => {
  const state = parseInput(completeSchema, event, 'state');
  const restore = await completeDumpRestore(runtime(), state);
  metrics.addMetric(METRIC.restoreSucceeded, MetricUnit.Count, 1);
  await publishEvents([restoreEvent(restore, new Date().toISOString())]);
  return { restoreId: restore.id, status: restore.status };
});
