import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  AUDIT_NOT_RECORDED_METRIC,
  BACKUP_FAILED_METRIC,
  BACKUP_MISSED_METRIC,
  EVENTS_NOT_PUBLISHED_METRIC,
  RDS_SNAPSHOT_QUOTA_METRIC,
  RETENTION_BRAKE_METRIC,
  WEBHOOK_DELIVERY_FAILED_METRIC,
} from '../contract';
import type { StrongboxFunction, StrongboxImageFunction } from './function';

export interface ObservabilityProps {
  readonly stage: string;
  /** Every function of the service, by a stable name used in the alarm ids. */
  readonly functions: Readonly<Record<string, StrongboxFunction | StrongboxImageFunction>>;
  readonly restoreStateMachine: IStateMachine;
  readonly snapshotStateMachine: IStateMachine;
  readonly pruneStateMachine: IStateMachine;
  /** Dead-letter queue of the daily prune schedule: a start Scheduler could not deliver. */
  readonly pruneScheduleDeadLetters: IQueue;
  /** Dead-letter queue of the tenants' policy schedules: a scheduled backup Scheduler could not dispatch. */
  readonly policyScheduleDeadLetters: IQueue;
  /** Dead-letter queue of webhook deliveries: events the deliverer crashed on every time. */
  readonly webhookDeadLetters: IQueue;
}

/** Alarm when a region's manual RDS snapshots reach this percent of the quota (QUOTA_ALARM_RATIO in the domain). */
export const RDS_QUOTA_ALARM_PERCENT = 80;

const FIVE_MINUTES = Duration.minutes(5);

/** The sum over `period` of a metric the service's handlers emit (Powertools: namespace + `service` dimension). */
function serviceSum(
  metric: { readonly namespace: string; readonly metricName: string; readonly dimensions: Record<string, string> },
  period: Duration,
): Metric {
  return new Metric({
    namespace: metric.namespace,
    metricName: metric.metricName,
    dimensionsMap: { ...metric.dimensions },
    statistic: 'Sum',
    period,
  });
}
const ONE_DAY = Duration.days(1);

/**
 * Alarms on what an operator must act on: a failed backup (the `BackupFailed` metric the dump and snapshot handlers
 * emit, see BACKUP_FAILED_METRIC in infra/contract.ts), a failed or timed-out restore or snapshot backup execution,
 * a region's RDS manual snapshot quota at 80 % (RDS_SNAPSHOT_QUOTA_METRIC), a tripped retention brake
 * (RETENTION_BRAKE_METRIC), a failed prune execution or an undelivered daily prune start, and any function error.
 * They notify one encrypted SNS topic; subscribe to it per stage.
 */
export class Observability extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);

    // Only notifications pass through this key, so it goes with the stack.
    const key = new Key(this, 'TopicKey', {
      description: `Strongbox ${props.stage}: alarm notifications`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch publishes alarm notifications to the topic, so it must be able to use the key.
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `Strongbox ${props.stage} alarms`,
      masterKey: key,
      enforceSSL: true,
    });

    this.alarm(
      'BackupFailed',
      'A backup failed (BackupFailed metric from the dump handlers)',
      serviceSum(BACKUP_FAILED_METRIC, FIVE_MINUTES),
    );

    this.alarm(
      'RestoreFailed',
      'A restore execution failed or timed out',
      new MathExpression({
        expression: 'failed + timedOut',
        usingMetrics: {
          failed: props.restoreStateMachine.metricFailed({ statistic: 'Sum', period: FIVE_MINUTES }),
          timedOut: props.restoreStateMachine.metricTimedOut({ statistic: 'Sum', period: FIVE_MINUTES }),
        },
        period: FIVE_MINUTES,
      }),
    );

    this.alarm(
      'SnapshotBackupFailed',
      'A snapshot backup execution failed or timed out',
      new MathExpression({
        expression: 'failed + timedOut',
        usingMetrics: {
          failed: props.snapshotStateMachine.metricFailed({ statistic: 'Sum', period: FIVE_MINUTES }),
          timedOut: props.snapshotStateMachine.metricTimedOut({ statistic: 'Sum', period: FIVE_MINUTES }),
        },
        period: FIVE_MINUTES,
      }),
    );

    this.alarm(
      'RdsSnapshotQuota',
      `A region's manual RDS snapshots reached ${RDS_QUOTA_ALARM_PERCENT} % of the quota (backups are refused at 100 %)`,
      new Metric({
        namespace: RDS_SNAPSHOT_QUOTA_METRIC.namespace,
        metricName: RDS_SNAPSHOT_QUOTA_METRIC.metricName,
        dimensionsMap: { ...RDS_SNAPSHOT_QUOTA_METRIC.dimensions },
        statistic: 'Maximum',
        period: FIVE_MINUTES,
      }),
      RDS_QUOTA_ALARM_PERCENT,
    );

    this.alarm(
      'RetentionBrake',
      "A source's retention brake tripped: its prune stopped until an admin acknowledges the deletions",
      // Prunes run daily: a trip stays visible for the day instead of flapping back after five minutes.
      serviceSum(RETENTION_BRAKE_METRIC, ONE_DAY),
    );

    this.alarm(
      'PruneFailed',
      'A prune execution failed or timed out',
      new MathExpression({
        expression: 'failed + timedOut',
        usingMetrics: {
          failed: props.pruneStateMachine.metricFailed({ statistic: 'Sum', period: FIVE_MINUTES }),
          timedOut: props.pruneStateMachine.metricTimedOut({ statistic: 'Sum', period: FIVE_MINUTES }),
        },
        period: FIVE_MINUTES,
      }),
    );

    this.alarm(
      'PruneScheduleUndelivered',
      'The daily prune schedule could not start the prune machine (message in its dead-letter queue)',
      props.pruneScheduleDeadLetters.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: FIVE_MINUTES,
      }),
    );

    this.alarm(
      'BackupMissed',
      "A source's scheduled backup is overdue (missed RPO): GET /v1/rpo lists them per tenant",
      serviceSum(BACKUP_MISSED_METRIC, FIVE_MINUTES),
    );

    this.alarm(
      'EventsNotPublished',
      'Backup or restore events could not be put on the event bus (the outcomes are recorded; notifications are not)',
      serviceSum(EVENTS_NOT_PUBLISHED_METRIC, FIVE_MINUTES),
    );

    this.alarm(
      'AuditNotRecorded',
      "An API call or a workflow outcome happened but its audit entry could not be written (the tenant's trail has a gap in content, not in its chain)",
      serviceSum(AUDIT_NOT_RECORDED_METRIC, FIVE_MINUTES),
    );

    this.alarm(
      'PolicyScheduleUndelivered',
      "A tenant's policy schedule could not invoke the dispatcher (message in its dead-letter queue): a scheduled backup did not start",
      props.policyScheduleDeadLetters.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: FIVE_MINUTES,
      }),
    );

    this.alarm(
      'WebhookDeliveryFailed',
      'A tenant webhook delivery gave up after every retry (or its host was refused): GET /v1/webhooks/deliveries shows why',
      serviceSum(WEBHOOK_DELIVERY_FAILED_METRIC, FIVE_MINUTES),
    );

    this.alarm(
      'WebhookEventsUndelivered',
      'The webhook deliverer failed on an event every time (message in its dead-letter queue)',
      props.webhookDeadLetters.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: FIVE_MINUTES,
      }),
    );

    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarm(
        `${name}Errors`,
        `Function ${fn.entry} failed`,
        fn.function.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
      );
    }
  }

  private alarm(id: string, description: string, metric: Metric | MathExpression, threshold = 1): void {
    const alarm = metric.createAlarm(this, `${id}Alarm`, {
      alarmDescription: description,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
