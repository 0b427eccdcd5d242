import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { checkSnapshots } from '../../app/snapshots/check-snapshots';
import { copySnapshots } from '../../app/snapshots/copy-snapshots';
import { createSnapshots } from '../../app/snapshots/create-snapshots';
import { failSnapshotBackup } from '../../app/snapshots/fail-snapshot-backup';
import { quotaPercent } from '../../app/snapshots/rds-quota';
import { recordSnapshotBackup } from '../../app/snapshots/record-snapshot-backup';
import { startSnapshotBackup } from '../../app/snapshots/start-snapshot-backup';
import { backupEvent } from '../../domain/events';
import { taskHandler } from '../../shared/middleware';
import { logger, METRIC, metrics } from '../../shared/powertools';
import { snapshotStepSchema } from '../../shared/snapshot-events';
import { parseInput } from '../../shared/validation';
import { makeRoomForManual } from '../manual-cap';
import { publishEvents } from '../publish-events';
import { runtime } from '../wiring';

/**
 * Every step of the snapshot backup machine (infra/constructs/snapshots.ts); the Task names the step in `action`.
 * Errors propagate with their names: the machine retries SnapshotThrottledError and catches the rest.
 */
export const handler = taskHandler(async (event: unknown) => {
  const step = parseInput(snapshotStepSchema, event, 'state');
  const deps = runtime();
  switch (step.action) {
    case 'start': {
      const started = await startSnapshotBackup(deps, step);
      if (started.quota) {
        metrics.addMetric(METRIC.rdsSnapshotQuotaUsed, MetricUnit.Percent, quotaPercent(started.quota));
      }
      return { sourceType: started.sourceType, region: started.region, copyRegions: started.copyRegions };
    }
    case 'create': {
      const created = await createSnapshots(deps, step);
      return { done: created.done, attempts: created.attempts };
    }
    case 'check':
      return checkSnapshots(deps, step);
    case 'copy': {
      const copied = await copySnapshots(deps, step);
      return { done: copied.done, attempts: copied.attempts };
    }
    case 'check-copies':
      return checkSnapshots(deps, { ...step, copies: true });
    case 'record': {
      const backup = await recordSnapshotBackup(deps, step);
      metrics.addMetric(METRIC.backupSucceeded, MetricUnit.Count, 1);
      await publishEvents([backupEvent(backup)]);
      await makeRoomForManual(backup);
      return { backupId: backup.id, status: backup.status, snapshots: (backup.snapshots ?? []).length };
    }
    case 'fail': {
      const backup = await failSnapshotBackup(deps, step);
      metrics.addMetric(METRIC.backupFailed, MetricUnit.Count, 1);
      logger.warn('snapshot backup failed', { backupId: step.backupId, error: backup?.error });
      if (backup) await publishEvents([backupEvent(backup)]);
      return {
        backupId: step.backupId ?? null,
        status: backup?.status ?? 'not_recorded',
        error: backup?.error ?? null,
      };
    }
  }
});
