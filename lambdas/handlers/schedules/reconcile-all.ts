import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { reconcileSchedules } from '../../app/policies/reconcile-schedules';
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
  let tenants = 0;
  let repaired = 0;
  const failures: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.catalog.tenants.list({ limit: 100, ...(cursor ? { cursor } : {}) });
    for (const tenantId of page.items) {
      tenants += 1;
      try {
        const result = await reconcileSchedules(deps, { tenantId });
        const changed = result.created.length + result.updated.length + result.deleted.length;
        repaired += changed;
        if (changed > 0) logger.warn('schedules repaired', { tenantId, ...result });
      } catch (error) {
        failures.push(tenantId);
        logger.error('reconcile failed', { tenantId, error: error as Error });
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
  metrics.addMetric(METRIC.schedulesRepaired, MetricUnit.Count, repaired);
  if (failures.length > 0) throw new Error(`reconciling schedules failed for ${failures.length} of ${tenants} tenants`);
  return { tenants, repaired };
});
