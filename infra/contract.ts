import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The contract between infra and runtime code (docs/architecture.md): handler entry files by path, the
 * environment variable names lambdas/shared/env.ts parses, and the metadata keys local mode reads.
 * infra never imports lambdas/, so these strings are the only coupling.
 */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const HANDLERS_DIR = 'lambdas/handlers';

/** Entries relative to lambdas/handlers/. */
export const ENTRIES = {
  authorizer: 'api/authorizer.ts',
  health: 'api/health.ts',
  sources: 'api/sources.ts',
  backups: 'api/backups.ts',
  restores: 'api/restores.ts',
  /** Operators' routes (`/v1/tenants…`, `/v1/approvals`) and the audit trail (`/v1/audit…`). */
  platform: 'api/platform.ts',
  runDump: 'jobs/run-dump.ts',
  verifyBackup: 'jobs/verify-backup.ts',
  dumpFailed: 'jobs/dump-failed.ts',
  restorePrepare: 'workflows/restore-prepare.ts',
  restoreVerify: 'workflows/restore-verify.ts',
  restorePreBackup: 'workflows/restore-pre-backup.ts',
  restoreLoad: 'workflows/restore-load.ts',
  restoreCheck: 'workflows/restore-check.ts',
  restoreComplete: 'workflows/restore-complete.ts',
  restoreFail: 'workflows/restore-fail.ts',
  /** The snapshot backup machine's steps (one function, the step named in the payload's `action`). */
  snapshotBackup: 'workflows/snapshot-backup.ts',
  /** The restore machine's volume and DB instance steps (one function, `action` in the payload). */
  restoreSnapshot: 'workflows/restore-snapshot.ts',
  /** The restore machine's approval gate: stores the task token and marks the restore pending_approval. */
  restoreApproval: 'workflows/restore-approval.ts',
  /** `/v1/retention/…` (preview, simulate, runs, brake acknowledgement) and `/v1/backups/{id}/hold`. */
  retention: 'api/retention.ts',
  /** The prune machine's step: plan a tenant, delete/archive within a time budget, return the cursor. */
  prune: 'workflows/prune.ts',
  /** `/v1/policies…` and `/v1/schedules/reconcile`: policies, next runs, dispatches; reconciles Scheduler schedules. */
  policies: 'api/policies.ts',
  /** The target of every policy schedule: starts the policy's backups, exactly once per scheduled time. */
  dispatch: 'schedules/dispatch.ts',
  /** Every few minutes: marks sources whose scheduled backup is overdue as missed (RPO), for every tenant. */
  rpoSweep: 'schedules/rpo-sweep.ts',
  /** Daily: reconciles every tenant's Scheduler schedules with the catalog (drift repair). */
  reconcileAll: 'schedules/reconcile-all.ts',
  /** `/v1/webhooks…`: tenant webhooks and their delivery log. */
  webhooks: 'api/webhooks.ts',
  /** Delivers the bus's events to tenants' webhooks (SQS event source), signed, with backoff. */
  deliverWebhooks: 'webhooks/deliver.ts',
} as const;

export type EntryName = keyof typeof ENTRIES;

/** Repo-relative path of an entry, the value of the `strongbox:entry` metadata. */
export function entryPath(entry: string): string {
  return `${HANDLERS_DIR}/${entry}`;
}

/**
 * Image CMD for an entry: scripts/build.ts writes lambdas/handlers/<dir>/<name>.ts to dist/<dir>/<name>.mjs and
 * the Dockerfile copies dist/ to the task root, so the Lambda handler string is `<dir>/<name>.handler`.
 */
export function imageHandler(entry: string): string {
  return `${entry.replace(/\.ts$/, '')}.${HANDLER_EXPORT}`;
}

export const HANDLER_EXPORT = 'handler';

export const METADATA = {
  entry: 'strongbox:entry',
  handler: 'strongbox:handler',
} as const;

export const ENV = {
  stage: 'STRONGBOX_STAGE',
  tableName: 'STRONGBOX_TABLE_NAME',
  vaultBucket: 'STRONGBOX_VAULT_BUCKET',
  dataKeyArn: 'STRONGBOX_DATA_KEY_ARN',
  secretPrefix: 'STRONGBOX_SECRET_PREFIX',
  dumpFunction: 'STRONGBOX_DUMP_FUNCTION',
  verifyFunction: 'STRONGBOX_VERIFY_FUNCTION',
  restoreStateMachineArn: 'STRONGBOX_RESTORE_STATE_MACHINE_ARN',
  snapshotStateMachineArn: 'STRONGBOX_SNAPSHOT_STATE_MACHINE_ARN',
  rdsManualSnapshotQuota: 'STRONGBOX_RDS_MANUAL_SNAPSHOT_QUOTA',
  pruneStepSeconds: 'STRONGBOX_PRUNE_STEP_SECONDS',
  pruneEc2DeleteRate: 'STRONGBOX_PRUNE_EC2_DELETE_RATE',
  pruneEc2DeleteBurst: 'STRONGBOX_PRUNE_EC2_DELETE_BURST',
  pruneMaxDeleteShare: 'STRONGBOX_PRUNE_MAX_DELETE_SHARE',
  pruneMaxDeleteCount: 'STRONGBOX_PRUNE_MAX_DELETE_COUNT',
  allowedSourceCidrs: 'STRONGBOX_ALLOWED_SOURCE_CIDRS',
  downloadUrlTtlSeconds: 'STRONGBOX_DOWNLOAD_URL_TTL_SECONDS',
  scheduleGroupPrefix: 'STRONGBOX_SCHEDULE_GROUP_PREFIX',
  dispatchFunctionArn: 'STRONGBOX_DISPATCH_FUNCTION_ARN',
  schedulerRoleArn: 'STRONGBOX_SCHEDULER_ROLE_ARN',
  scheduleDlqArn: 'STRONGBOX_SCHEDULE_DLQ_ARN',
  tenantPlan: 'STRONGBOX_TENANT_PLAN',
  rpoGraceMinutes: 'STRONGBOX_RPO_GRACE_MINUTES',
  eventBusName: 'STRONGBOX_EVENT_BUS_NAME',
  allowedWebhookCidrs: 'STRONGBOX_ALLOWED_WEBHOOK_CIDRS',
  webhookQueueUrl: 'STRONGBOX_WEBHOOK_QUEUE_URL',
  webhookRetryBaseSeconds: 'STRONGBOX_WEBHOOK_RETRY_BASE_SECONDS',
  webhookTimeoutSeconds: 'STRONGBOX_WEBHOOK_TIMEOUT_SECONDS',
  jwtIssuer: 'STRONGBOX_JWT_ISSUER',
  jwtAudience: 'STRONGBOX_JWT_AUDIENCE',
  jwksUrl: 'STRONGBOX_JWKS_URL',
} as const;

/** Set on every function by the function constructs. */
export const POWERTOOLS_ENV = {
  POWERTOOLS_SERVICE_NAME: 'strongbox',
  POWERTOOLS_METRICS_NAMESPACE: 'Strongbox',
} as const;

/**
 * Metric the dump handlers emit when a backup fails (Powertools Metrics: namespace from
 * POWERTOOLS_METRICS_NAMESPACE, default dimension `service` from POWERTOOLS_SERVICE_NAME). The alarm in
 * infra/constructs/observability.ts watches exactly this.
 */
export const RDS_SNAPSHOT_QUOTA_METRIC = {
  namespace: POWERTOOLS_ENV.POWERTOOLS_METRICS_NAMESPACE,
  /** Percent of the region's manual RDS snapshot quota in use, emitted before each RDS snapshot (alarm ≥ 80). */
  metricName: 'RdsManualSnapshotQuotaUsedPercent',
  dimensions: { service: POWERTOOLS_ENV.POWERTOOLS_SERVICE_NAME },
} as const;

export const BACKUP_FAILED_METRIC = {
  namespace: POWERTOOLS_ENV.POWERTOOLS_METRICS_NAMESPACE,
  metricName: 'BackupFailed',
  dimensions: { service: POWERTOOLS_ENV.POWERTOOLS_SERVICE_NAME },
} as const;

/** The RPO sweeper emits this (sources that became missed in a sweep); the missed-backup alarm watches it. */
export const BACKUP_MISSED_METRIC = {
  namespace: POWERTOOLS_ENV.POWERTOOLS_METRICS_NAMESPACE,
  metricName: 'BackupMissed',
  dimensions: { service: POWERTOOLS_ENV.POWERTOOLS_SERVICE_NAME },
} as const;

/** Functions emit this when the event bus refused or could not be reached (handlers/publish-events.ts). */
export const EVENTS_NOT_PUBLISHED_METRIC = {
  namespace: POWERTOOLS_ENV.POWERTOOLS_METRICS_NAMESPACE,
  metricName: 'EventsNotPublished',
  dimensions: { service: POWERTOOLS_ENV.POWERTOOLS_SERVICE_NAME },
} as const;

/** API functions and workflow steps emit this when an audit entry could not be written (handlers/audit-trail.ts). */
export const AUDIT_NOT_RECORDED_METRIC = {
  namespace: POWERTOOLS_ENV.POWERTOOLS_METRICS_NAMESPACE,
  metricName: 'AuditNotRecorded',
  dimensions: { service: POWERTOOLS_ENV.POWERTOOLS_SERVICE_NAME },
} as const;

/** The webhook deliverer emits this when a delivery gives up (every attempt failed, or the host was refused). */
export const WEBHOOK_DELIVERY_FAILED_METRIC = {
  namespace: POWERTOOLS_ENV.POWERTOOLS_METRICS_NAMESPACE,
  metricName: 'WebhookDeliveriesFailed',
  dimensions: { service: POWERTOOLS_ENV.POWERTOOLS_SERVICE_NAME },
} as const;

/** The prune step emits this (count of sources whose brake tripped in the step); the retention alarm watches it. */
export const RETENTION_BRAKE_METRIC = {
  namespace: POWERTOOLS_ENV.POWERTOOLS_METRICS_NAMESPACE,
  metricName: 'RetentionBrakeTripped',
  dimensions: { service: POWERTOOLS_ENV.POWERTOOLS_SERVICE_NAME },
} as const;
