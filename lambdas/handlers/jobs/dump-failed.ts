import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { abandonBackup } from '../../app/backups/abandon-backup';
import { backupEvent } from '../../domain/events';
import { redact } from '../../domain/redact';
import { asyncFailureSchema } from '../../shared/job-events';
import { taskHandler } from '../../shared/middleware';
import { logger, METRIC, metrics } from '../../shared/powertools';
import { parseInput } from '../../shared/validation';
import { publishEvents } from '../publish-events';
import { runtime } from '../wiring';

/** On-failure destination of the dump worker: a timeout or crash still ends as a failed backup, with the reason. */
export const handler = taskHandler(async (event: unknown) => {
  const failure = parseInput(asyncFailureSchema, event, 'event');
  const error = failure.responsePayload;
  const what = error?.errorType
    ? `${error.errorType}: ${error.errorMessage ?? ''}`
    : (failure.requestContext?.condition ?? 'unknown');
  const backup = await abandonBackup(runtime(), {
    ...failure.requestPayload,
    reason: `the dump worker stopped before recording an outcome (${redact(what).slice(0, 500)})`,
  });
  if (backup?.status === 'failed') {
    metrics.addMetric(METRIC.backupFailed, MetricUnit.Count, 1);
    await publishEvents([backupEvent(backup)]);
  }
  logger.warn('dump worker failed', { backupId: failure.requestPayload.backupId, status: backup?.status });
  return { backupId: failure.requestPayload.backupId, status: backup?.status ?? 'unknown' };
});
