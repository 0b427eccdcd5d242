import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { reconcileSchedules } from '../../app/policies/reconcile-schedules';
import { forEachTenant } from '../../app/tenants/for-each-tenant';
import { taskHandler } from '../../shared/middleware';
import { logger, METRIC, metrics } from '../../shared/powertools';
import { runtime } from '../wiring';

/**
 * The daily drift repair (EventBridge Scheduler; infra/constructs/schedules.ts): reconciles every registered tenant's
 * Scheduler group with its policies in the catalog (app/policies/reconcile-schedules.ts) — a schedule edited or deleted
 * behind Strongbox's back is put right, one no policy wants is removed. A tenant that fails is logged and the others
 * are still reconciled; the run then fails so the failure is seen (function error alarm).
 */
export const handler = taskHandler(async () => {
  const deps = runtime();
  let repaired = 0;
  const walk = await forEachTenant(deps.catalog, async (tenantId) => {
    const result = await reconcileSchedules(deps, { tenantId });
    const changed = result.created.length + result.updated.length + result.deleted.length;
    repaired += changed;
    if (changed > 0) logger.warn('schedules repaired', { tenantId, ...result });
  });
  metrics.addMetric(METRIC.schedulesRepaired, MetricUnit.Count, repaired);
  for (const { tenantId, error } of walk.failed) logger.error('reconcile failed', { tenantId, error: error as Error });
  if (walk.failed.length > 0) {
    throw new Error(`reconciling schedules failed for ${walk.failed.length} of ${walk.tenants} tenants`);
  }
  return { tenants: walk.tenants, repaired };
});
