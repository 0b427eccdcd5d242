import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One logger, metrics and tracer per process. Service name and namespace come from POWERTOOLS_SERVICE_NAME and
 * POWERTOOLS_METRICS_NAMESPACE (set by infra). Nothing secret is ever passed to them: events with credentials
 * (POST /v1/sources) are never logged, and error messages are redacted where they are made.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'strongbox' });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Strongbox',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'strongbox',
});
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'strongbox' });

/** Metric names are a contract with infra/constructs/observability (alarms). */
export const METRIC = {
  backupSucceeded: 'BackupSucceeded',
  backupFailed: 'BackupFailed',
  backupBytes: 'BackupStoredBytes',
  restoreSucceeded: 'RestoreSucceeded',
  restoreFailed: 'RestoreFailed',
  verifyFailed: 'VerifyFailed',
  /** Percent of the region's manual RDS snapshot quota in use (alarm at 80 %). */
  rdsSnapshotQuotaUsed: 'RdsManualSnapshotQuotaUsedPercent',
  /** Sources whose retention brake tripped in a prune step (alarm at ≥ 1). */
  retentionBrakeTripped: 'RetentionBrakeTripped',
  retentionDeleted: 'RetentionBackupsDeleted',
  retentionSkipped: 'RetentionDeletionsSkipped',
  /** Sources that became `missed` (RPO) in a sweep (alarm at ≥ 1), and every source missed now. */
  backupMissed: 'BackupMissed',
  /** Per firing of a policy schedule: backups the dispatcher started, and sources it skipped. */
  scheduledStarted: 'ScheduledBackupsStarted',
  scheduledSkipped: 'ScheduledBackupsSkipped',
  /** Events the bus refused or could not be reached for (alarm at ≥ 1). */
  eventsNotPublished: 'EventsNotPublished',
  /** Audit entries that could not be written (alarm at ≥ 1): the call or outcome happened, its record is missing. */
  auditNotRecorded: 'AuditNotRecorded',
  /** Schedules the daily drift repair created, updated or deleted. */
  schedulesRepaired: 'SchedulesRepaired',
  sourcesMissed: 'SourcesMissed',
  /** Webhook attempts that got a 2xx, attempts that did not, and deliveries that gave up (alarm at ≥ 1). */
  webhookDelivered: 'WebhookDeliveries',
  webhookAttemptFailed: 'WebhookAttemptsFailed',
  webhookDeliveryFailed: 'WebhookDeliveriesFailed',
} as const;
