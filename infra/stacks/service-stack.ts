import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { DataAccess, type DataExports } from '../constructs/data-access';
import { Dumps } from '../constructs/dumps';
import { Events } from '../constructs/events';
import { DatabaseNetwork } from '../constructs/network';
import { Observability } from '../constructs/observability';
import { Restore } from '../constructs/restore';
import { Retention } from '../constructs/retention';
import { Schedules } from '../constructs/schedules';
import { Snapshots } from '../constructs/snapshots';
import { TenantApi } from '../constructs/tenant-api';
import { Webhooks } from '../constructs/webhooks';
import { WorkerImage } from '../constructs/worker-image';
import { ENV } from '../contract';

export interface ServiceStackProps extends StackProps {
  readonly config: StageConfig;
  /** Export names of the data stack's resources (DataStack.exports). */
  readonly data: DataExports;
}

/**
 * The stateless stack: functions, the tenant API, the restore, snapshot backup and prune state machines, the daily
 * prune schedule and the alarms.
 */
export class ServiceStack extends Stack {
  readonly dataAccess: DataAccess;
  readonly dumps: Dumps;
  readonly restore: Restore;
  readonly snapshots: Snapshots;
  readonly retention: Retention;
  readonly schedules: Schedules;
  readonly events: Events;
  readonly webhooks: Webhooks;
  readonly tenantApi: TenantApi;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.dataAccess = new DataAccess(this, 'DataAccess', { exports: props.data, secretPrefix: config.secretPrefix });
    const network =
      config.network === undefined
        ? undefined
        : new DatabaseNetwork(this, 'DatabaseNetwork', config.network).functionNetwork;
    const onNetwork = network === undefined ? {} : { network };

    this.events = new Events(this, 'Events', { stage: config.stage });

    // One environment for every function: local mode runs all handlers in one process with one environment,
    // so a variable must never mean different things to different functions.
    const environment: Record<string, string> = {
      [ENV.stage]: config.stage,
      [ENV.tableName]: this.dataAccess.tableName,
      [ENV.vaultBucket]: this.dataAccess.vaultBucketName,
      [ENV.dataKeyArn]: this.dataAccess.dataKeyArn,
      [ENV.secretPrefix]: config.secretPrefix,
      [ENV.allowedSourceCidrs]: config.allowedSourceCidrs.join(','),
      [ENV.downloadUrlTtlSeconds]: String(config.downloadUrlTtlSeconds),
      [ENV.scheduleGroupPrefix]: config.schedules.groupPrefix,
      [ENV.tenantPlan]: config.schedules.tenantPlan,
      [ENV.rpoGraceMinutes]: String(config.schedules.rpoGraceMinutes),
      [ENV.eventBusName]: this.events.bus.eventBusName,
      ...Webhooks.environment(config.webhooks),
    };

    // The prune knobs are set only where a stage configures them (the runtime's defaults apply otherwise), and with
    // one value wherever they are set: the prune step and the retention API, which previews what the step would do.
    const { retention } = config;
    const pruneEnvironment = definedOnly({
      [ENV.pruneStepSeconds]: retention.pruneStepSeconds,
      [ENV.pruneEc2DeleteRate]: retention.ec2DeleteRate,
      [ENV.pruneEc2DeleteBurst]: retention.ec2DeleteBurst,
      [ENV.pruneMaxDeleteShare]: retention.maxDeleteShare,
      [ENV.pruneMaxDeleteCount]: retention.maxDeleteCount,
    });

    const image = new WorkerImage(this, 'WorkerImage').asset;
    this.dumps = new Dumps(this, 'Dumps', { image, data: this.dataAccess, environment, ...onNetwork });
    this.restore = new Restore(this, 'Restore', { image, data: this.dataAccess, environment, ...onNetwork });
    this.snapshots = new Snapshots(this, 'Snapshots', { data: this.dataAccess, environment });
    this.retention = new Retention(this, 'Retention', {
      data: this.dataAccess,
      environment: { ...environment, ...pruneEnvironment },
      schedule: { expression: retention.scheduleExpression, timeZone: retention.scheduleTimeZone },
    });
    this.schedules = new Schedules(this, 'Schedules', {
      data: this.dataAccess,
      environment,
      groupPrefix: config.schedules.groupPrefix,
      runDump: this.dumps.runDump,
      snapshotStateMachine: this.snapshots.stateMachine,
      rpoSweepExpression: config.schedules.rpoSweepExpression,
      reconcileExpression: config.schedules.reconcileExpression,
    });
    this.webhooks = new Webhooks(this, 'Webhooks', {
      data: this.dataAccess,
      environment,
      bus: this.events.bus,
      retryBaseSeconds: config.webhooks.retryBaseSeconds,
      timeoutSeconds: config.webhooks.timeoutSeconds,
    });
    this.tenantApi = new TenantApi(this, 'TenantApi', {
      stage: config.stage,
      data: this.dataAccess,
      environment,
      auth: config.auth,
      throttling: {
        rateLimit: config.api.throttlingRateLimit,
        burstLimit: config.api.throttlingBurstLimit,
        wafRequestsPerFiveMinutes: config.api.wafRequestsPerFiveMinutes,
      },
      runDump: this.dumps.runDump,
      verifyBackup: this.dumps.verifyBackup,
      restoreStateMachine: this.restore.stateMachine,
      snapshotStateMachine: this.snapshots.stateMachine,
      retentionEnvironment: pruneEnvironment,
      schedules: this.schedules,
    });

    const { handlers: api } = this.tenantApi;
    const { handlers: restore } = this.restore;
    // The functions that record outcomes publish them.
    this.events.grantPublish(
      this.dumps.runDump.function,
      this.dumps.dumpFailed.function,
      this.snapshots.handler.function,
      restore.complete.function,
      restore.fail.function,
      restore.snapshot.function,
      restore.approval.function,
      this.schedules.rpoSweep.function,
    );
    this.observability = new Observability(this, 'Observability', {
      stage: config.stage,
      restoreStateMachine: this.restore.stateMachine,
      snapshotStateMachine: this.snapshots.stateMachine,
      pruneStateMachine: this.retention.stateMachine,
      pruneScheduleDeadLetters: this.retention.deadLetterQueue,
      policyScheduleDeadLetters: this.schedules.deadLetterQueue,
      webhookDeadLetters: this.webhooks.deadLetterQueue,
      functions: {
        Authorizer: this.tenantApi.authorizer,
        Health: api.health,
        Sources: api.sources,
        Backups: api.backups,
        Restores: api.restores,
        Retention: api.retention,
        Policies: api.policies,
        Webhooks: api.webhooks,
        DeliverWebhooks: this.webhooks.deliver,
        Dispatch: this.schedules.dispatch,
        RpoSweep: this.schedules.rpoSweep,
        ReconcileAll: this.schedules.reconcileAll,
        RunDump: this.dumps.runDump,
        DumpFailed: this.dumps.dumpFailed,
        VerifyBackup: this.dumps.verifyBackup,
        RestorePrepare: restore.prepare,
        RestoreVerify: restore.verify,
        RestorePreBackup: restore.preBackup,
        RestoreLoad: restore.load,
        RestoreCheck: restore.check,
        RestoreComplete: restore.complete,
        RestoreFail: restore.fail,
        RestoreSnapshot: restore.snapshot,
        RestoreApproval: restore.approval,
        SnapshotBackup: this.snapshots.handler,
        Prune: this.retention.handler,
      },
    });

    new CfnOutput(this, 'ApiUrl', { value: this.tenantApi.api.url });
    new CfnOutput(this, 'RestoreStateMachineArn', { value: this.restore.stateMachine.stateMachineArn });
    new CfnOutput(this, 'SnapshotStateMachineArn', { value: this.snapshots.stateMachine.stateMachineArn });
    new CfnOutput(this, 'PruneStateMachineArn', { value: this.retention.stateMachine.stateMachineArn });
    new CfnOutput(this, 'DispatchFunctionArn', { value: this.schedules.dispatch.functionArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.topic.topicArn });
  }
}

/** The variables whose value is configured; a number becomes its decimal text. */
function definedOnly(variables: Record<string, number | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)]])),
  );
}
