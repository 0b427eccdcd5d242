import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { recordRestoreFailure } from '../../app/restores/finish-restore';
import { restoreEvent } from '../../domain/events';
import { taskHandler } from '../../shared/middleware';
import { logger, METRIC, metrics } from '../../shared/powertools';
import { parseInput } from '../../shared/validation';
import { publishEvents } from '../publish-events';
import { runtime } from '../wiring';

/** Whatever failed, the state still has the input's ids (or none, if an operator's input never became a restore). */
const failSchema = z.object({
  tenantId: z.string().optional(),
  restoreId: z.string().optional(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

/** "Record failure": drops what the restore created and records why it failed. */
export const handler = taskHandler(async (event: unknown) => {
  const state = parseInput(failSchema, event, 'state');
  const restore = await recordRestoreFailure(runtime(), state);
  metrics.addMetric(METRIC.restoreFailed, MetricUnit.Count, 1);
  logger.warn('restore failed', { restoreId: state.restoreId, error: restore?.error });
  if (restore) await publishEvents([restoreEvent(restore, new Date().toISOString())]);
  return {
    restoreId: state.restoreId ?? null,
    status: restore?.status ?? 'not_recorded',
    error: restore?.error ?? null,
  };
});
