import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { verifyBackup } from '../../app/backups/verify-backup';
import { backupJobSchema } from '../../shared/job-events';
import { taskHandler } from '../../shared/middleware';
import { logger, METRIC, metrics } from '../../shared/powertools';
import { parseInput } from '../../shared/validation';
import { runtime } from '../wiring';

/** Re-reads a stored backup and records whether its SHA-256 still matches. */
export const handler = taskHandler(async (event: unknown) => {
  const input = parseInput(backupJobSchema, event, 'event');
  const outcome = await verifyBackup(runtime(), input);
  if (!outcome.ok) {
    metrics.addMetric(METRIC.verifyFailed, MetricUnit.Count, 1);
    logger.error('backup failed verification', { backupId: input.backupId, detail: outcome.detail });
  }
  return { backupId: input.backupId, ok: outcome.ok, detail: outcome.detail };
});
