import { z } from 'zod';

/**
 * Typed configuration of every function, parsed once at cold start. infra/ sets these variables (the names are
 * the contract between infra/constructs and the handlers); local mode and tests set the same names.
 */
const flag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((value) => value === 'true');

const csv = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  );

export const runtimeEnvSchema = z.object({
  STRONGBOX_STAGE: z.string().default('local'),
  STRONGBOX_TABLE_NAME: z.string().min(1),
  STRONGBOX_VAULT_BUCKET: z.string().min(1),
  /** KMS key for vault objects (SSE-KMS) and source secrets. */
  STRONGBOX_DATA_KEY_ARN: z.string().min(1),
  STRONGBOX_SECRET_PREFIX: z.string().default('strongbox/'),
  /** Name or ARN of the dump worker function (the API starts it asynchronously). */
  STRONGBOX_DUMP_FUNCTION: z.string().optional(),
  /** Name or ARN of the verify job function (the API starts it asynchronously). */
  STRONGBOX_VERIFY_FUNCTION: z.string().optional(),
  STRONGBOX_RESTORE_STATE_MACHINE_ARN: z.string().optional(),
  STRONGBOX_SNAPSHOT_STATE_MACHINE_ARN: z.string().optional(),
  /** Manual RDS snapshots allowed per region when the account quota cannot be read (AWS default: 100). */
  STRONGBOX_RDS_MANUAL_SNAPSHOT_QUOTA: z.coerce.number().int().min(1).default(100),
  /** Local mode only: lets sources and webhooks live on 127.0.0.1 (webhooks over http). Never set in a deployed stage. */
  STRONGBOX_ALLOW_LOOPBACK_SOURCES: flag,
  /** CIDR blocks of private networks sources may live in (e.g. the VPC of tenant databases). */
  STRONGBOX_ALLOWED_SOURCE_CIDRS: csv,
  STRONGBOX_DOWNLOAD_URL_TTL_SECONDS: z.coerce.number().int().min(60).max(900).default(900),
  /** Retention: seconds of work per prune step (the step function's timeout is 15 min). */
  STRONGBOX_PRUNE_STEP_SECONDS: z.coerce.number().int().min(1).max(840).default(600),
  /** Retention: EC2 DeleteSnapshot calls per second (the account's bucket refills at 5/s, shared with CreateSnapshot). */
  STRONGBOX_PRUNE_EC2_DELETE_RATE: z.coerce.number().positive().max(100).default(5),
  /** Retention: EC2 DeleteSnapshot burst (the account's bucket holds 100). */
  STRONGBOX_PRUNE_EC2_DELETE_BURST: z.coerce.number().int().min(1).max(1000).default(100),
  /** Retention brake: a source's run stops when it would delete more than this share of its backups. */
  STRONGBOX_PRUNE_MAX_DELETE_SHARE: z.coerce.number().min(0).max(1).default(0.5),
  /** Retention brake: …or more than this many of them (unset: no count limit). */
  STRONGBOX_PRUNE_MAX_DELETE_COUNT: z.coerce.number().int().min(0).optional(),
  /** Policies: the tenants' Scheduler schedule groups are `<prefix>-<tenantId>`. */
  STRONGBOX_SCHEDULE_GROUP_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,20}$/)
    .default('strongbox'),
  /** Policies: the dispatcher every schedule targets, the role Scheduler assumes, and the schedules' dead-letter queue. */
  STRONGBOX_DISPATCH_FUNCTION_ARN: z.string().optional(),
  STRONGBOX_SCHEDULER_ROLE_ARN: z.string().optional(),
  STRONGBOX_SCHEDULE_DLQ_ARN: z.string().optional(),
  /** The plan every tenant gets (lambdas/domain/plans.ts) until operators assign plans per tenant. */
  STRONGBOX_TENANT_PLAN: z.enum(['free', 'standard', 'business']).default('standard'),
  /** The deployment's EventBridge bus for Strongbox's events (docs/events.md). */
  STRONGBOX_EVENT_BUS_NAME: z.string().optional(),
  /** Missed backups: minutes a scheduled backup may take after its window before its source counts as missed. */
  STRONGBOX_RPO_GRACE_MINUTES: z.coerce.number().int().min(0).max(10_080).default(60),
  /** Webhooks: private networks webhook endpoints may live in (loopback only with STRONGBOX_ALLOW_LOOPBACK_SOURCES). */
  STRONGBOX_ALLOWED_WEBHOOK_CIDRS: csv,
  /** Webhooks: the delivery queue (the deliverer hides a message there for the backoff delay). */
  STRONGBOX_WEBHOOK_QUEUE_URL: z.string().optional(),
  /** Webhooks: the first retry delay; later ones grow fourfold, up to 6 hours. */
  STRONGBOX_WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** Webhooks: how long one attempt may take (connect, response headers, the start of the body). */
  STRONGBOX_WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(30).default(10),
  /** The deployment's region (set by Lambda itself): snapshot sources registered without a region live here. */
  AWS_REGION: z.string().min(1).default('us-east-1'),
});

export type RuntimeEnv = z.infer<typeof runtimeEnvSchema>;

/** The retention brake as configured (the prune step and the API's previews use the same). */
export function retentionBrake(env: RuntimeEnv): { maxDeleteShare: number; maxDeleteCount: number | undefined } {
  return { maxDeleteShare: env.STRONGBOX_PRUNE_MAX_DELETE_SHARE, maxDeleteCount: env.STRONGBOX_PRUNE_MAX_DELETE_COUNT };
}

export const authEnvSchema = z.object({
  /** Expected `iss` of tenant tokens. */
  STRONGBOX_JWT_ISSUER: z.string().min(1),
  STRONGBOX_JWT_AUDIENCE: z.string().min(1),
  /** JWKS document URL of the issuer (Cognito: https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json). */
  STRONGBOX_JWKS_URL: z.string().url(),
});

export type AuthEnv = z.infer<typeof authEnvSchema>;

export function parseEnv<T extends z.ZodType>(
  schema: T,
  env: Readonly<Record<string, string | undefined>>,
): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid function configuration: ${problems}`);
  }
  return result.data;
}
