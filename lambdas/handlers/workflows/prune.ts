import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { Pacer, pacedEach } from '../../app/retention/pacer';
import type { PruneCursor } from '../../app/retention/prune-step';
import { pruneStep } from '../../app/retention/prune-step';
import type { RunEach } from '../../app/retention/prune-tenant';
import { retentionBrake } from '../../shared/env';
import { taskHandler } from '../../shared/middleware';
import { logger, METRIC, metrics } from '../../shared/powertools';
import { pruneStepSchema } from '../../shared/retention-schemas';
import { parseInput } from '../../shared/validation';
import { runtime } from '../wiring';

/** Backups worked on at once within a step (each paces its own EC2/RDS calls). */
const CONCURRENCY = 8;
/** RDS has no published bucket for DeleteDBSnapshot; a gentle pace keeps the API's throttling away. */
const RDS_PACE = { capacity: 20, refillPerSecond: 5 } as const;

/**
 * The prune machine's step (infra/constructs/retention.ts). Event: `{action: 'step', input: <the machine's state>}`,
 * the state being `{}`, `{run: {tenantId}}` or `{run: <cursor>}`; returns the next cursor (stored at `$.run`).
 */
export const handler = taskHandler(async (event: unknown) => {
  const { input } = parseInput(pruneStepSchema, event, 'state');
  const deps = runtime();
  const { env } = deps;
  const pacerDeps = { clock: deps.clock, sleeper: deps.sleeper };
  const ec2 = new Pacer(pacerDeps, {
    capacity: env.STRONGBOX_PRUNE_EC2_DELETE_BURST,
    refillPerSecond: env.STRONGBOX_PRUNE_EC2_DELETE_RATE,
  });
  const rds = new Pacer(pacerDeps, RDS_PACE);
  const runEach: RunEach = async (items, work, deadline) => {
    const result = await pacedEach(items, work, { concurrency: CONCURRENCY, deadline, clock: deps.clock });
    return { notStarted: result.notStarted.length, failed: result.failed };
  };
  const result = await pruneStep(
    {
      ...deps,
      stepSeconds: env.STRONGBOX_PRUNE_STEP_SECONDS,
      brake: retentionBrake(env),
      paceEc2: (call) => ec2.run(call),
      paceRds: (call) => rds.run(call),
      runEach,
    },
    (input.run ?? {}) as PruneCursor,
  );
  metrics.addMetric(METRIC.retentionDeleted, MetricUnit.Count, result.deleted);
  metrics.addMetric(METRIC.retentionSkipped, MetricUnit.Count, result.skipped);
  metrics.addMetric(METRIC.retentionBrakeTripped, MetricUnit.Count, result.brakeTripped);
  logger.info('prune step', {
    runId: result.cursor.runId,
    tenant: result.cursor.tenant ?? null,
    deleted: result.deleted,
    archived: result.archived,
    skipped: result.skipped,
    brakeTripped: result.brakeTripped,
    done: result.cursor.done === true,
    continueAsNew: result.cursor.continueAsNew === true,
    pacing: ec2.stats(),
  });
  return result.cursor;
});
