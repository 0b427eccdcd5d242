import { z } from 'zod';
import { BACKUP_TRIGGERS } from '../domain/backup';
import { isValidTimeZone } from '../domain/retention/calendar';
import { MAX_KEEP_COUNT, parseDuration, type RetentionPolicy } from '../domain/retention/policy';
import { idSchema, tenantIdSchema } from './id-schemas';
import { parseInput } from './validation';

/**
 * The retention spec as tenants send it (part of a source's or policy's settings). Strict: an unknown field is a 400
 * naming it. Semantics in docs/retention.md; the planner is lambdas/domain/retention.
 */
const keepCount = z.union(
  [z.number().int().min(0).max(MAX_KEEP_COUNT), z.literal('unlimited')],
  `must be a whole number from 0 to ${MAX_KEEP_COUNT} or 'unlimited'`,
);

const durationObject = z.strictObject({
  years: z.number().int().min(0).optional(),
  months: z.number().int().min(0).optional(),
  weeks: z.number().int().min(0).optional(),
  days: z.number().int().min(0).optional(),
  hours: z.number().int().min(0).optional(),
});

function isDuration(value: string): boolean {
  try {
    parseDuration(value);
    return true;
  } catch {
    return false;
  }
}

export const durationSchema = z.union(
  [
    z
      .string()
      .max(40)
      .refine(isDuration, 'must be a duration of years, months, weeks, days and hours such as P30D or PT12H'),
    durationObject,
  ],
  'must be an ISO-8601 duration such as P30D or PT12H, or {days, hours}',
);

export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isValidTimeZone, 'must be an IANA time zone such as Europe/London or UTC');

export const manualRuleSchema = z
  .strictObject({ keepWithin: durationSchema.optional(), keepLast: keepCount.optional() })
  .refine((rule) => rule.keepWithin !== undefined || rule.keepLast !== undefined, 'needs keepWithin or keepLast');

export const retentionPolicySchema = z.strictObject({
  keepLast: keepCount.optional(),
  keepHourly: keepCount.optional(),
  keepDaily: keepCount.optional(),
  keepWeekly: keepCount.optional(),
  keepMonthly: keepCount.optional(),
  keepYearly: keepCount.optional(),
  keepWithin: durationSchema.optional(),
  timeZone: timeZoneSchema.default('UTC'),
  manual: manualRuleSchema.optional(),
  archive: z.boolean().optional(),
});

export type RetentionPolicyInput = z.input<typeof retentionPolicySchema>;

/** Parses a retention spec; a ValidationError names every offending field (`keepDaily`, `manual.keepWithin`…). */
export function parseRetentionPolicy(value: unknown): RetentionPolicy {
  return parseInput(retentionPolicySchema, value, 'retention policy');
}

const sourceId = idSchema('source');
const instant = z.iso.datetime({ offset: true });

/** GET /v1/retention/preview?sourceId= */
export const previewQuerySchema = z.strictObject({ sourceId });

/** POST /v1/retention/preview: the what-if of a policy change. */
export const previewChangeSchema = z.strictObject({ sourceId, policy: retentionPolicySchema });

/** Largest history POST /v1/retention/simulate plans. */
export const MAX_SIMULATED_BACKUPS = 10_000;

const simulatedBackup = z.strictObject({
  id: z.string().min(1).max(100),
  createdAt: instant,
  status: z.enum(['pending', 'running', 'succeeded', 'failed', 'deleted']).optional(),
  trigger: z.enum(BACKUP_TRIGGERS).optional(),
  sourceId: z.string().min(1).max(100).optional(),
  legalHold: z.boolean().optional(),
});

/** POST /v1/retention/simulate: any policy over any history; `now` defaults to the server's clock. */
export const simulateSchema = z.strictObject({
  policy: retentionPolicySchema,
  backups: z.array(simulatedBackup).max(MAX_SIMULATED_BACKUPS),
  now: instant.optional(),
  brake: z
    .strictObject({
      maxDeleteShare: z.number().min(0).max(1).optional(),
      maxDeleteCount: z.number().int().min(0).optional(),
    })
    .optional(),
});

/** POST /v1/backups/{id}/hold */
export const holdSchema = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() });

/** POST /v1/retention/acknowledge */
export const acknowledgeSchema = z.strictObject({
  sourceId,
  deletions: z.number().int().min(1).max(1_000_000),
});

const count = z.number().int().min(0);

/**
 * The prune machine's state as the step receives it: `{}` (scheduled), `{run: {tenantId}}` (an operator's run for one
 * tenant), or the cursor a previous step returned (plus Step Functions' AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID
 * when continued as a new execution). The cursor is strict, so an operator's typo is an error, not a run of everyone.
 */
export const pruneCursorSchema = z.strictObject({
  runId: idSchema('pruneRun').optional(),
  now: instant.optional(),
  tenantId: tenantIdSchema.optional(),
  tenant: tenantIdSchema.optional(),
  tenantCursor: z.string().max(2048).optional(),
  steps: count.optional(),
  generation: count.optional(),
  maxSteps: z.number().int().min(1).optional(),
  totals: z.strictObject({ deleted: count, archived: count, skipped: count }).optional(),
  done: z.boolean().optional(),
  continueAsNew: z.boolean().optional(),
});

export const pruneStepSchema = z.strictObject({
  action: z.literal('step'),
  input: z.object({ run: pruneCursorSchema.optional() }),
});
