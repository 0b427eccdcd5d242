import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { checkRpo } from '../../app/policies/check-rpo';
import { forEachTenant } from '../../app/tenants/for-each-tenant';
import { missedEvent } from '../../domain/events';
import { taskHandler } from '../../shared/middleware';
import { logger, METRIC, metrics } from '../../shared/powertools';
import { publishEvents } from '../publish-events';
import { runtime } from '../wiring';

/**
 * The missed-backup sweep (EventBridge Scheduler, every 15 minutes; infra/constructs/schedules.ts): checks every
 * registered tenant's scheduled sources (app/policies/check-rpo.ts), records status changes, counts the sources that
 * became missed (BackupMissed, alarmed on) and those missed now (SourcesMissed), and puts a BackupMissed event for each
 * newly missed source. A tenant that fails is logged and the others are still checked; the sweep then fails so the
 * failure is seen (and alarmed on as a function error).
 */
export const handler = taskHandler(async () => {
  const deps = runtime();
  const graceMinutes = deps.env.STRONGBOX_RPO_GRACE_MINUTES;
  let newlyMissed = 0;
  let missed = 0;
  const walk = await forEachTenant(deps.catalog, async (tenantId) => {
    const result = await checkRpo({ catalog: deps.catalog, clock: deps.clock, graceMinutes }, { tenantId });
    newlyMissed += result.newlyMissed.length;
    missed += result.missed;
    for (const status of result.newlyMissed) logger.warn('backup missed', { ...status });
    for (const status of result.recovered) logger.info('backup no longer missed', { ...status });
    await publishEvents(result.newlyMissed.map(missedEvent));
  });
  metrics.addMetric(METRIC.backupMissed, MetricUnit.Count, newlyMissed);
  metrics.addMetric(METRIC.sourcesMissed, MetricUnit.Count, missed);
  for (const { tenantId, error } of walk.failed) logger.error('rpo check failed', { tenantId, error: error as Error });
  if (walk.failed.length > 0) {
    throw new Error(`the RPO check failed for ${walk.failed.length} of ${walk.tenants} tenants`);
  }
  return { tenants: walk.tenants, newlyMissed, missed };
});
