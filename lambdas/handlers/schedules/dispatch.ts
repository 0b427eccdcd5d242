import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { type DispatchInput, dispatchSchedule } from '../../app/policies/dispatch';
import { isPolicyId, SCHEDULE_NAME_PATTERN } from '../../domain/policy';
import { tenantIdSchema } from '../../shared/id-schemas';
import { taskHandler } from '../../shared/middleware';
import { logger, METRIC, metrics } from '../../shared/powertools';
import { parseInput } from '../../shared/validation';
import { tenantIdempotencyStore } from '../idempotency-store';
import { runtime } from '../wiring';

/** What a policy schedule sends (scheduler-schedules.ts targetInput; Scheduler fills in the scheduled time). */
const dispatchInputSchema = z.strictObject({
  tenantId: tenantIdSchema,
  policyId: z.string().refine(isPolicyId, 'must be a policy id'),
  scheduleName: z.string().regex(SCHEDULE_NAME_PATTERN, 'must be a schedule name'),
  scheduledTime: z.iso.datetime({ offset: true }),
});

/** How long a firing is remembered: Scheduler redelivers within its retry policy's event age (at most 24 h). */
const REMEMBER_SECONDS = 7 * 24 * 3600;

type Idempotent = (input: DispatchInput, context: Context) => Promise<{ dispatchId: string }>;
const byTenant = new Map<string, Idempotent>();

/**
 * Exactly once per (tenant, policy, schedule, scheduled time) under Scheduler's at-least-once delivery: Powertools
 * idempotency keyed by those four fields, its records in the catalog table under the tenant's own partition
 * (`TENANT#<id>#IDEMPOTENCY`, sort key the hashed key; expired by the table's TTL attribute). A delivery while the first
 * is still running fails (IdempotencyAlreadyInProgressError) and Scheduler retries it later; one after it finished
 * gets the first one's answer and starts nothing.
 */
function idempotentFor(tenantId: string): Idempotent {
  const existing = byTenant.get(tenantId);
  if (existing) return existing;
  const deps = runtime();
  const persistenceStore = tenantIdempotencyStore(tenantId);
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[tenantId, policyId, scheduleName, scheduledTime]',
    expiresAfterSeconds: REMEMBER_SECONDS,
    throwOnNoIdempotencyKey: true,
  });
  const fn = makeIdempotent(
    async (input: DispatchInput, _context: Context) => {
      const dispatch = await dispatchSchedule(deps, input);
      const started = dispatch.outcomes.filter((outcome) => outcome.outcome === 'started').length;
      metrics.addMetric(METRIC.scheduledStarted, MetricUnit.Count, started);
      metrics.addMetric(METRIC.scheduledSkipped, MetricUnit.Count, dispatch.outcomes.length - started);
      logger.info('dispatched', { dispatchId: dispatch.id, policyId: input.policyId, started, stale: dispatch.stale });
      return { dispatchId: dispatch.id };
    },
    { persistenceStore, config },
  ) as Idempotent;
  byTenant.set(tenantId, fn);
  return fn;
}

/** The target of every policy schedule (infra/constructs/schedules.ts). Returns the dispatch's id. */
export const handler = taskHandler(async (event: unknown, context: Context) => {
  const input = parseInput(dispatchInputSchema, event, 'input');
  return idempotentFor(input.tenantId)(input, context);
});
