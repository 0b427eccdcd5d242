import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { runBackup } from '../../app/backups/run-backup';
import { backupEvent } from '../../domain/events';
import { backupJobSchema } from '../../shared/job-events';
import { taskHandler } from '../../shared/middleware';
import { logger, METRIC, metrics } from '../../shared/powertools';
import { parseInput } from '../../shared/validation';
import { makeRoomForManual } from '../manual-cap';
import { publishEvents } from '../publish-events';
import { runtime } from '../wiring';

/** The dump worker, started asynchronously by the API for a pending backup. */
export const handler = taskHandler(async (event: unknown) => {
  const input = parseInput(backupJobSchema, event, 'event');
  logger.appendKeys({ tenantId: input.tenantId, backupId: input.backupId });
  const backup = await runBackup(runtime(), input);
  if (backup.status === 'succeeded' && backup.kind === 'dump') {
    metrics.addMetric(METRIC.backupSucceeded, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.backupBytes, MetricUnit.Bytes, backup.storedBytes ?? 0);
    logger.info('backup succeeded', {
      storedBytes: backup.storedBytes,
      partCount: backup.partCount,
      tables: backup.tableCount,
    });
  } else if (backup.status === 'failed') {
    metrics.addMetric(METRIC.backupFailed, MetricUnit.Count, 1);
    logger.warn('backup failed', { error: backup.error });
  }
  await publishEvents([backupEvent(backup)]);
  await makeRoomForManual(backup);
  return { backupId: backup.id, status: backup.status };
});
