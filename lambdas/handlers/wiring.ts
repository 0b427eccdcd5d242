import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsSettingsFromEnv, createAwsClients } from '../adapters/aws/clients';
import { AwsCloudResources } from '../adapters/aws/cloud-resources';
import { DynamoDbCatalog } from '../adapters/aws/dynamodb-catalog';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-events';
import { LambdaBackupJobs } from '../adapters/aws/lambda-jobs';
import { S3Vault } from '../adapters/aws/s3-vault';
import { SchedulerTenantSchedules } from '../adapters/aws/scheduler-schedules';
import { SecretsManagerStore } from '../adapters/aws/secrets-manager';
import { StepFunctionsRestoreWorkflow } from '../adapters/aws/sfn-restore-workflow';
import { StepFunctionsSnapshotWorkflow, StepFunctionsTaskTokens } from '../adapters/aws/sfn-snapshot-workflow';
import { SqsRetryQueue } from '../adapters/aws/sqs-retry-queue';
import { MysqlAdmin } from '../adapters/dumps/mysql-admin';
import { MysqlDumpLoader } from '../adapters/dumps/mysql-loader';
import { MysqlDumpWriter } from '../adapters/dumps/mysql-writer';
import { PostgresAdmin } from '../adapters/dumps/postgres-admin';
import { PostgresDumpLoader } from '../adapters/dumps/postgres-loader';
import { PostgresDumpWriter } from '../adapters/dumps/postgres-writer';
import { DnsHostGuard } from '../adapters/net/host-guard';
import { HttpWebhookSender } from '../adapters/net/webhook-sender';
import { SystemClock, TimerSleeper, UlidIdGenerator } from '../adapters/runtime';
import type { DatabaseEngine } from '../domain/source';
import type { Catalog } from '../ports/catalog';
import type { CloudResources } from '../ports/cloud';
import type { DatabaseEngines } from '../ports/databases';
import type { EventPublisher } from '../ports/events';
import type { BackupJobs, HostGuard, RestoreWorkflow, SnapshotBackupWorkflow, TaskTokens } from '../ports/jobs';
import type { RetryQueue } from '../ports/queues';
import type { Clock, IdGenerator, Sleeper } from '../ports/runtime';
import type { TenantSchedules } from '../ports/schedules';
import type { SecretStore, WebhookSecretStore } from '../ports/secrets';
import type { Vault } from '../ports/vault';
import type { WebhookSender } from '../ports/webhooks';
import { parseEnv, type RuntimeEnv, runtimeEnvSchema } from '../shared/env';

/**
 * The composition root: every handler gets its adapters here, built once per container from the typed
 * environment. Nothing else constructs adapters, so Lambda, local mode and tests run the same wiring.
 */
export interface Runtime {
  readonly env: RuntimeEnv;
  readonly catalog: Catalog;
  /** The catalog table's client, for Powertools idempotency records (the dispatcher). */
  readonly dynamodb: DynamoDBDocumentClient;
  readonly vault: Vault;
  readonly secrets: SecretStore & WebhookSecretStore;
  readonly hostGuard: HostGuard;
  /** The SSRF guard for webhook endpoints (its own allow list). */
  readonly webhookGuard: HostGuard;
  readonly webhookSender: WebhookSender;
  /** Only where STRONGBOX_WEBHOOK_QUEUE_URL is set (the deliverer). */
  readonly webhookRetries: RetryQueue;
  readonly engines: DatabaseEngines;
  readonly clock: Clock;
  readonly sleeper: Sleeper;
  readonly ids: IdGenerator;
  /** Only where STRONGBOX_DUMP_FUNCTION and STRONGBOX_VERIFY_FUNCTION are set (the API). */
  readonly jobs: BackupJobs;
  /** Only where STRONGBOX_RESTORE_STATE_MACHINE_ARN is set (the API). */
  readonly workflow: RestoreWorkflow;
  /** EC2/EBS and RDS in any region. */
  readonly cloud: CloudResources;
  /** Only where STRONGBOX_SNAPSHOT_STATE_MACHINE_ARN is set (the API). */
  readonly snapshotWorkflow: SnapshotBackupWorkflow;
  readonly taskTokens: TaskTokens;
  /** Only where STRONGBOX_DISPATCH_FUNCTION_ARN and STRONGBOX_SCHEDULER_ROLE_ARN are set (the policies API). */
  readonly schedules: TenantSchedules;
  /** Where STRONGBOX_EVENT_BUS_NAME is set (every function of a deployed stack and of local mode). */
  readonly events: EventPublisher;
}

function missing(name: string): never {
  throw new Error(`${name} is not configured for this function`);
}

function build(): Runtime {
  const env = parseEnv(runtimeEnvSchema, process.env);
  const clients = createAwsClients(awsSettingsFromEnv(process.env));
  const vault = new S3Vault({
    s3: clients.s3,
    bucket: env.STRONGBOX_VAULT_BUCKET,
    kmsKeyArn: env.STRONGBOX_DATA_KEY_ARN,
  });
  const writers = { postgres: new PostgresDumpWriter({ vault }), mysql: new MysqlDumpWriter({ vault }) };
  const loaders = { postgres: new PostgresDumpLoader(), mysql: new MysqlDumpLoader() };
  const admins = { postgres: new PostgresAdmin(), mysql: new MysqlAdmin() };
  const engines: DatabaseEngines = {
    writer: (engine: DatabaseEngine) => writers[engine],
    loader: (engine: DatabaseEngine) => loaders[engine],
    admin: (engine: DatabaseEngine) => admins[engine],
  };
  const clock = new SystemClock();
  const webhookGuard = new DnsHostGuard({
    allowLoopback: env.STRONGBOX_ALLOW_LOOPBACK_SOURCES,
    allowedCidrs: env.STRONGBOX_ALLOWED_WEBHOOK_CIDRS,
  });
  const webhookQueue = env.STRONGBOX_WEBHOOK_QUEUE_URL;
  const dump = env.STRONGBOX_DUMP_FUNCTION;
  const verify = env.STRONGBOX_VERIFY_FUNCTION;
  const stateMachine = env.STRONGBOX_RESTORE_STATE_MACHINE_ARN;
  const snapshotMachine = env.STRONGBOX_SNAPSHOT_STATE_MACHINE_ARN;
  return {
    env,
    catalog: new DynamoDbCatalog(clients.dynamodb, env.STRONGBOX_TABLE_NAME),
    dynamodb: clients.dynamodb,
    vault,
    secrets: new SecretsManagerStore(clients.secretsManager, {
      prefix: env.STRONGBOX_SECRET_PREFIX,
      kmsKeyId: env.STRONGBOX_DATA_KEY_ARN,
    }),
    hostGuard: new DnsHostGuard({
      allowLoopback: env.STRONGBOX_ALLOW_LOOPBACK_SOURCES,
      allowedCidrs: env.STRONGBOX_ALLOWED_SOURCE_CIDRS,
    }),
    webhookGuard,
    webhookSender: new HttpWebhookSender({ guard: webhookGuard, allowHttp: env.STRONGBOX_ALLOW_LOOPBACK_SOURCES }),
    webhookRetries: webhookQueue
      ? new SqsRetryQueue(clients.sqs, webhookQueue)
      : { retryLater: () => missing('STRONGBOX_WEBHOOK_QUEUE_URL') },
    engines,
    clock,
    sleeper: new TimerSleeper(),
    ids: new UlidIdGenerator(clock),
    jobs: dump
      ? new LambdaBackupJobs(clients.lambda, { dump, verify })
      : {
          startDump: () => missing('STRONGBOX_DUMP_FUNCTION'),
          startVerify: () => missing('STRONGBOX_VERIFY_FUNCTION'),
        },
    workflow: stateMachine
      ? new StepFunctionsRestoreWorkflow(clients.sfn, stateMachine)
      : {
          executionArnFor: () => missing('STRONGBOX_RESTORE_STATE_MACHINE_ARN'),
          start: () => missing('STRONGBOX_RESTORE_STATE_MACHINE_ARN'),
        },
    cloud: new AwsCloudResources(clients, { rdsManualSnapshotQuota: env.STRONGBOX_RDS_MANUAL_SNAPSHOT_QUOTA }),
    snapshotWorkflow: snapshotMachine
      ? new StepFunctionsSnapshotWorkflow(clients.sfn, snapshotMachine)
      : { start: () => missing('STRONGBOX_SNAPSHOT_STATE_MACHINE_ARN') },
    taskTokens: new StepFunctionsTaskTokens(clients.sfn),
    events: env.STRONGBOX_EVENT_BUS_NAME
      ? new EventBridgePublisher(clients.eventBridge, env.STRONGBOX_EVENT_BUS_NAME)
      : { publish: () => missing('STRONGBOX_EVENT_BUS_NAME') },
    schedules:
      env.STRONGBOX_DISPATCH_FUNCTION_ARN && env.STRONGBOX_SCHEDULER_ROLE_ARN
        ? new SchedulerTenantSchedules(clients.scheduler, {
            groupPrefix: env.STRONGBOX_SCHEDULE_GROUP_PREFIX,
            targetArn: env.STRONGBOX_DISPATCH_FUNCTION_ARN,
            roleArn: env.STRONGBOX_SCHEDULER_ROLE_ARN,
            ...(env.STRONGBOX_SCHEDULE_DLQ_ARN ? { deadLetterArn: env.STRONGBOX_SCHEDULE_DLQ_ARN } : {}),
          })
        : {
            list: () => missing('STRONGBOX_DISPATCH_FUNCTION_ARN'),
            put: () => missing('STRONGBOX_DISPATCH_FUNCTION_ARN'),
            delete: () => missing('STRONGBOX_DISPATCH_FUNCTION_ARN'),
          },
  };
}

let cached: Runtime | undefined;

/** The runtime of this container, built on first use. */
export function runtime(): Runtime {
  cached ??= build();
  return cached;
}

/**
 * Tests only: replaces parts of this container's runtime (e.g. `cloud` with a wrapper that plays an emulator gap),
 * for the handlers that run in the test's process. Returns the undo.
 */
export function overrideRuntimeForTests(partial: Partial<Runtime>): () => void {
  const previous = cached;
  cached = { ...runtime(), ...partial };
  return () => {
    cached = previous;
  };
}
