import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Stage configuration: one JSON file per stage in config/<stage>.json, chosen with `-c stage=<name>`.
 * Everything synth needs is in here, so synth never looks anything up in an AWS account.
 */
const days = z.number().int().min(1).max(36_500);

const vaultSchema = z
  .object({
    /** Default retention for every object version. Cannot be turned off once a bucket has it. */
    objectLock: z
      .object({ mode: z.enum(['GOVERNANCE', 'COMPLIANCE']), days })
      .strict()
      .optional(),
    /** Old versions (overwritten or deleted objects) are removed this many days after they stop being current. */
    noncurrentVersionExpirationDays: days,
  })
  .strict();

const authSchema = z
  .object({
    /** Expected `iss` of tenant tokens (STRONGBOX_JWT_ISSUER). */
    issuer: z.string().min(1),
    audience: z.string().min(1),
    jwksUrl: z.url(),
  })
  .strict();

/** Existing network the database-reaching functions join. Given as ids so synth needs no VPC lookup. */
const networkSchema = z
  .object({
    vpcId: z.string().regex(/^vpc-[0-9a-f]+$/),
    subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/)).min(1),
    securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/)).min(1),
  })
  .strict();

const apiSchema = z
  .object({
    /** Stage-wide steady-state requests per second. */
    throttlingRateLimit: z.number().int().min(1).default(50),
    throttlingBurstLimit: z.number().int().min(1).default(100),
    /** WAF rate-based rule: requests per 5 minutes from one IP address before it is blocked. */
    wafRequestsPerFiveMinutes: z.number().int().min(10).default(2_000),
  })
  .strict();

/** EventBridge Scheduler expressions a recurring job may use: `cron(min hour day-of-month month day-of-week year)`, `rate(n unit)`. */
const CRON = /^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/;
const RATE = /^rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\)$/;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The daily prune (infra/constructs/retention.ts) and the knobs of its step. The prune settings are optional: the
 * runtime's defaults (lambdas/shared/env.ts) apply unless a stage sets one, and only then is the variable set.
 */
const retentionSchema = z
  .object({
    /** When the prune of every tenant starts (EventBridge Scheduler expression). */
    scheduleExpression: z
      .string()
      .refine((value) => CRON.test(value) || RATE.test(value), 'a Scheduler cron(6 fields) or rate(n unit) expression')
      .default('cron(0 2 * * ? *)'),
    /** IANA time zone the expression is read in. */
    scheduleTimeZone: z.string().refine(isTimeZone, 'an IANA time zone, e.g. UTC or Europe/Zurich').default('UTC'),
    /** STRONGBOX_PRUNE_STEP_SECONDS: work per prune step (the step function has 15 minutes). */
    pruneStepSeconds: z.number().int().min(1).max(840).optional(),
    /** STRONGBOX_PRUNE_EC2_DELETE_RATE: DeleteSnapshot calls per second (EC2 refills 5/s per account and region). */
    ec2DeleteRate: z.number().positive().max(100).optional(),
    /** STRONGBOX_PRUNE_EC2_DELETE_BURST: DeleteSnapshot burst (EC2's bucket holds 100). */
    ec2DeleteBurst: z.number().int().min(1).max(1_000).optional(),
    /** STRONGBOX_PRUNE_MAX_DELETE_SHARE: the brake trips above this share of a source's backups. */
    maxDeleteShare: z.number().min(0).max(1).optional(),
    /** STRONGBOX_PRUNE_MAX_DELETE_COUNT: …or above this many. */
    maxDeleteCount: z.number().int().min(0).optional(),
  })
  .strict();

/** Policies' schedules (infra/constructs/schedules.ts, docs/schedules.md). */
const schedulesSchema = z
  .object({
    /** Tenants' EventBridge Scheduler groups are `<groupPrefix>-<tenantId>`; IAM is scoped by the prefix. */
    groupPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,20}$/, '1–20 letters, digits, _ . or -')
      .default('strongbox'),
    /** The plan every tenant gets (lambdas/domain/plans.ts): free, standard or business. */
    tenantPlan: z.enum(['free', 'standard', 'business']).default('standard'),
    /** How often the missed-backup sweep runs. */
    rpoSweepExpression: z
      .string()
      .refine((value) => CRON.test(value) || RATE.test(value), 'a Scheduler cron(6 fields) or rate(n unit) expression')
      .default('rate(15 minutes)'),
    /** When every tenant's schedules are reconciled with the catalog (drift repair). */
    reconcileExpression: z
      .string()
      .refine((value) => CRON.test(value) || RATE.test(value), 'a Scheduler cron(6 fields) or rate(n unit) expression')
      .default('cron(30 1 * * ? *)'),
    /** STRONGBOX_RPO_GRACE_MINUTES: how long a scheduled backup may take after its window before it counts as missed. */
    rpoGraceMinutes: z.number().int().min(0).max(10_080).default(60),
  })
  .strict();

/** Tenant webhooks (infra/constructs/webhooks.ts, docs/webhooks.md). */
const webhooksSchema = z
  .object({
    /** STRONGBOX_WEBHOOK_RETRY_BASE_SECONDS: the first retry delay; later ones grow fourfold up to 6 hours. */
    retryBaseSeconds: z.number().int().min(1).max(3600).default(30),
    /** STRONGBOX_WEBHOOK_TIMEOUT_SECONDS: how long one attempt may take. */
    timeoutSeconds: z.number().int().min(1).max(30).default(10),
    /** STRONGBOX_ALLOWED_WEBHOOK_CIDRS: private networks webhook endpoints may live in (none by default). */
    allowedCidrs: z.array(z.string()).default([]),
  })
  .strict();

export const stageConfigSchema = z
  .object({
    stage: z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, 'lower-case letters, digits and dashes, at most 20'),
    env: z
      .object({
        account: z
          .string()
          .regex(/^\d{12}$/)
          .optional(),
        region: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    vault: vaultSchema,
    auth: authSchema,
    network: networkSchema.optional(),
    /** Private networks sources may live in (STRONGBOX_ALLOWED_SOURCE_CIDRS). */
    allowedSourceCidrs: z.array(z.union([z.cidrv4(), z.cidrv6()])).default([]),
    /** Secrets Manager name prefix of source credentials; IAM is scoped to it. */
    secretPrefix: z
      .string()
      .regex(/^[A-Za-z0-9/_+=.@-]+\/$/, 'a Secrets Manager name prefix ending in "/"')
      .default('strongbox/'),
    downloadUrlTtlSeconds: z.number().int().min(60).max(900).default(900),
    api: apiSchema.prefault({}),
    retention: retentionSchema.prefault({}),
    schedules: schedulesSchema.prefault({}),
    webhooks: webhooksSchema.prefault({}),
  })
  .strict();

export type StageConfig = z.infer<typeof stageConfigSchema>;
export type StageConfigInput = z.input<typeof stageConfigSchema>;

export function parseStageConfig(input: unknown): StageConfig {
  const result = stageConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`invalid stage configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

/** Reads config/<stage>.json; the file name is the stage, so the file does not repeat it. */
export function loadStageConfig(stage: string, configDir: string): StageConfig {
  if (!/^[a-z][a-z0-9-]*$/.test(stage)) throw new Error(`invalid stage name "${stage}"`);
  const file = join(configDir, `${stage}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read stage configuration ${file}`, { cause: error });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`stage configuration ${file} must be a JSON object`);
  }
  if ('stage' in raw && raw.stage !== stage) {
    throw new Error(`stage configuration ${file} names stage "${String(raw.stage)}", expected "${stage}"`);
  }
  return parseStageConfig({ ...raw, stage });
}
