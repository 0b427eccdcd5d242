import { Duration, Size, Validations } from 'aws-cdk-lib';
import type { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  Fail,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ENTRIES } from '../contract';
import { grantCloudRead, grantRestoreResources } from './cloud-access';
import type { DataAccess } from './data-access';
import {
  type FunctionNetwork,
  StrongboxFunction,
  type StrongboxFunctionBaseProps,
  StrongboxImageFunction,
} from './function';
import { acknowledgeWildcardResources } from './nag';
import { APPROVAL_STATES, APPROVAL_TIMEOUT, approvalGate } from './restore-approval';
import { SNAPSHOT_RESTORE_STATES, snapshotBranches } from './restore-snapshot-branches';

export { RESTORE_POLLING } from './restore-snapshot-branches';

export interface RestoreProps {
  readonly image: DockerImageAsset;
  readonly data: DataAccess;
  /** Environment shared by every function of the service (the runtime env contract). */
  readonly environment: Record<string, string>;
  /** @default - functions outside any VPC */
  readonly network?: FunctionNetwork;
}

type RestoreHandler =
  | 'prepare'
  | 'approval'
  | 'verify'
  | 'preBackup'
  | 'load'
  | 'check'
  | 'complete'
  | 'fail'
  | 'snapshot';

/** State names are a contract: tests and local mode override task handlers by state name. */
export const RESTORE_STATES = {
  prepare: 'Prepare restore',
  checkApproval: APPROVAL_STATES.check,
  approvalRequired: APPROVAL_STATES.required,
  awaitApproval: APPROVAL_STATES.wait,
  verify: 'Verify backup',
  replaceExisting: 'Replace existing?',
  preRestoreBackup: 'Pre-restore backup',
  load: 'Load dump',
  check: 'Check restored',
  recordSuccess: 'Record success',
  recordFailure: 'Record failure',
  failed: 'Restore failed',
  // Which branch: dump (above), volumes or DB instance (below). Prepare's output carries `kind`.
  restoreKind: 'Restore kind?',
  ...SNAPSHOT_RESTORE_STATES,
} as const;

/**
 * The restore state machine (docs/architecture.md), JSONPath only so aws-local-stepfunctions can run the very
 * definition synthesized here. Every task gets the whole state and returns it (Prepare) or a result stored
 * under its own path; any error lands in $.error, is recorded, and fails the execution.
 */
export class Restore extends Construct {
  readonly stateMachine: StateMachine;
  readonly handlers: Readonly<Record<RestoreHandler, StrongboxFunction | StrongboxImageFunction>>;

  constructor(scope: Construct, id: string, props: RestoreProps) {
    super(scope, id);
    const { data, environment, network } = props;
    const onNetwork = network === undefined ? {} : { network };
    const zip = (fnId: string, fnProps: StrongboxFunctionBaseProps) =>
      new StrongboxFunction(this, fnId, { environment, ...fnProps });
    const image = (fnId: string, fnProps: StrongboxFunctionBaseProps) =>
      new StrongboxImageFunction(this, fnId, {
        environment,
        image: props.image,
        timeout: Duration.minutes(15),
        memorySize: 1_536,
        ephemeralStorageSize: Size.gibibytes(1),
        ...onNetwork,
        ...fnProps,
      });

    const prepare = zip('Prepare', { entry: ENTRIES.restorePrepare, timeout: Duration.minutes(1) });
    const verify = zip('Verify', { entry: ENTRIES.restoreVerify, timeout: Duration.minutes(15), memorySize: 1_024 });
    const preBackup = image('PreBackup', { entry: ENTRIES.restorePreBackup });
    const load = image('Load', { entry: ENTRIES.restoreLoad });
    const check = zip('Check', { entry: ENTRIES.restoreCheck, timeout: Duration.minutes(5), ...onNetwork });
    const complete = zip('Complete', { entry: ENTRIES.restoreComplete, timeout: Duration.minutes(1) });
    // Drops a target database the restore created, so it needs the network and the source credentials.
    const fail = zip('Fail', { entry: ENTRIES.restoreFail, timeout: Duration.minutes(5), ...onNetwork });
    // Every step of the volume and DB branches (`action` in the payload); EC2/RDS APIs only, no network to sources.
    const snapshot = zip('Snapshot', { entry: ENTRIES.restoreSnapshot, timeout: Duration.minutes(2) });
    // The approval gate: records the decision to wait and keeps the task token on the restore.
    const approval = zip('Approval', { entry: ENTRIES.restoreApproval, timeout: Duration.minutes(1) });
    this.handlers = { prepare, approval, verify, preBackup, load, check, complete, fail, snapshot };
    const functions = Object.values(this.handlers);

    for (const fn of functions) data.grantCatalogReadWrite(fn);
    for (const fn of [prepare, verify, load, check]) data.grantVaultRead(fn);
    data.grantVaultWrite(preBackup);
    data.grantVaultWrite(snapshot); // manifests of pre-restore snapshot backups
    grantCloudRead(prepare); // validates volume and DB targets before anything is created
    grantRestoreResources(snapshot);
    for (const fn of [preBackup, load, check, fail]) data.grantSecretsRead(fn);

    const task = (
      taskId: string,
      stateName: string,
      fn: StrongboxFunction | StrongboxImageFunction,
      resultPath?: string,
    ) =>
      new LambdaInvoke(this, taskId, {
        stateName,
        lambdaFunction: fn.function,
        payloadResponseOnly: true,
        // Explicit, so no executor falls back to its own default (aws-local-stepfunctions uses 60 s).
        taskTimeout: Timeout.duration(fn.function.timeout?.plus(Duration.minutes(1)) ?? Duration.minutes(16)),
        ...(resultPath === undefined ? {} : { resultPath }),
      });

    const failed = new Fail(this, 'Failed', {
      stateName: RESTORE_STATES.failed,
      errorPath: '$.error.Error',
      causePath: '$.error.Cause',
    });
    const recordFailure = task('RecordFailure', RESTORE_STATES.recordFailure, fail, JsonPath.DISCARD);
    // If recording the failure fails too, still fail with the original error ($.error stays untouched).
    recordFailure.addCatch(failed, { errors: [Errors.ALL], resultPath: '$.recordFailureError' });
    recordFailure.next(failed);

    const tasks = {
      prepare: task('PrepareRestore', RESTORE_STATES.prepare, prepare),
      verify: task('VerifyBackup', RESTORE_STATES.verify, verify, JsonPath.DISCARD),
      preBackup: task('PreRestoreBackup', RESTORE_STATES.preRestoreBackup, preBackup, '$.preRestore'),
      load: task('LoadDump', RESTORE_STATES.load, load, JsonPath.DISCARD),
      check: task('CheckRestored', RESTORE_STATES.check, check, '$.check'),
      complete: task('RecordSuccess', RESTORE_STATES.recordSuccess, complete, JsonPath.DISCARD),
    };
    for (const state of Object.values(tasks)) {
      state.addCatch(recordFailure, { errors: [Errors.ALL], resultPath: '$.error' });
    }

    const replaceExisting = new Choice(this, 'ReplaceExisting', { stateName: RESTORE_STATES.replaceExisting })
      .when(
        Condition.and(Condition.isPresent('$.replaceExisting'), Condition.booleanEquals('$.replaceExisting', true)),
        tasks.preBackup,
      )
      .otherwise(tasks.load);
    tasks.preBackup.next(tasks.load);
    tasks.load.next(tasks.check).next(tasks.complete);
    const dumpBranch = tasks.verify.next(replaceExisting);

    const { volumeBranch, dbBranch } = snapshotBranches(this, snapshot, recordFailure);
    const kindChoice = new Choice(this, 'RestoreKind', { stateName: RESTORE_STATES.restoreKind })
      .when(Condition.and(Condition.isPresent('$.kind'), Condition.stringEquals('$.kind', 'volume')), volumeBranch)
      .when(Condition.and(Condition.isPresent('$.kind'), Condition.stringEquals('$.kind', 'db')), dbBranch)
      .otherwise(dumpBranch);

    // The approval gate sits between "Prepare restore" and "Restore kind?": nothing has been created or changed yet.
    const afterPrepare = approvalGate(this, { fn: approval, next: kindChoice, recordFailure });
    const definition = tasks.prepare.next(afterPrepare);

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      stateMachineType: StateMachineType.STANDARD,
      // The approval wait plus the longest branch's bounded polls (pre-restore snapshots ≈ 2 h + volumes; DB ≈ 2 h).
      timeout: APPROVAL_TIMEOUT.plus(Duration.hours(6)),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH }),
        level: LogLevel.ALL,
        // Without data: "Await approval" hands its function the task token, and whoever reads the logs must not be
        // able to resume (or fail) a restore with it. States, errors and timings are still logged.
        includeExecutionData: false,
      },
    });

    acknowledgeWildcardResources(
      this.stateMachine,
      functions.map((fn) => `${fn.functionArn}:*`),
      'LambdaInvoke grants lambda:InvokeFunction on each task function and its versions/aliases; every ARN names ' +
        'one function of this machine.',
    );
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Execution logging (logs:*LogDelivery, logs:PutResourcePolicy, logs:DescribeResourcePolicies, ' +
        'logs:DescribeLogGroups) and X-Ray tracing use APIs without resource-level permissions.',
    });
  }
}
