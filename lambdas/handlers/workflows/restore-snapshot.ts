import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { checkDb, restoreDb } from '../../app/restores/db-restore';
import { completeSnapshotRestore } from '../../app/restores/finish-restore';
import {
  checkDetached,
  checkReplacedSnapshots,
  detachReplacedVolumes,
  snapshotReplacedVolumes,
} from '../../app/restores/replace-volumes';
import { attachVolumes, checkAttached, checkVolumes, createVolumes } from '../../app/restores/volume-restore';
import { restoreEvent } from '../../domain/events';
import { restoreSnapshotStepSchema } from '../../shared/job-events';
import { taskHandler } from '../../shared/middleware';
import { METRIC, metrics } from '../../shared/powertools';
import { parseInput } from '../../shared/validation';
import { publishEvents } from '../publish-events';
import { runtime } from '../wiring';

/**
 * The restore machine's volume and DB steps (infra/constructs/restore.ts); the Task names the step in `action`.
 * Errors propagate with their names: the machine retries SnapshotThrottledError and catches the rest.
 */
export const handler = taskHandler(async (event: unknown) => {
  const step = parseInput(restoreSnapshotStepSchema, event, 'state');
  const deps = runtime();
  switch (step.action) {
    case 'snapshot-replaced':
      return snapshotReplacedVolumes(deps, step);
    case 'check-replaced':
      return checkReplacedSnapshots(deps, step);
    case 'detach-replaced':
      return detachReplacedVolumes(deps, step);
    case 'check-detached':
      return checkDetached(deps, step);
    case 'create-volumes':
      return createVolumes(deps, step);
    case 'check-volumes':
      return checkVolumes(deps, step);
    case 'attach-volumes':
      return attachVolumes(deps, step);
    case 'check-attached':
      return checkAttached(deps, step);
    case 'restore-db':
      return restoreDb(deps, step);
    case 'check-db':
      return checkDb(deps, step);
    case 'complete': {
      const restore = await completeSnapshotRestore(deps, step);
      metrics.addMetric(METRIC.restoreSucceeded, MetricUnit.Count, 1);
      await publishEvents([restoreEvent(restore, new Date().toISOString())]);
      return { restoreId: restore.id, status: restore.status };
    }
  }
});
