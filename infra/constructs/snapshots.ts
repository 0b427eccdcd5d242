import { Duration, Validations } from 'aws-cdk-lib';
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
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ENTRIES } from '../contract';
import { grantSnapshotCreate, THROTTLE_RETRY } from './cloud-access';
import type { DataAccess } from './data-access';
import { StrongboxFunction } from './function';
import { acknowledgeWildcardResources } from './nag';

export interface SnapshotsProps {
  readonly data: DataAccess;
  /** Environment shared by every function of the service (the runtime env contract). */
  readonly environment: Record<string, string>;
}

/** State names are a contract: tests and local mode address states by name. */
export const SNAPSHOT_STATES = {
  start: 'Start snapshot backup',
  create: 'Create snapshots',
  check: 'Check snapshots',
  completed: 'Snapshots completed?',
  wait: 'Wait for snapshots',
  copyChoice: 'Copy to DR regions?',
  copy: 'Copy snapshots',
  checkCopies: 'Check copies',
  copiesCompleted: 'Copies completed?',
  waitCopies: 'Wait for copies',
  record: 'Record backup',
  recordFailure: 'Record backup failure',
  failed: 'Snapshot backup failed',
} as const;

/** Bounded polling: 240 checks 30 s apart ≈ 2 h for snapshots (large first snapshots take long), 4 h for copies. */
export const SNAPSHOT_POLLING = {
  waitSeconds: 30,
  maxAttempts: 240,
  copyWaitSeconds: 60,
  copyMaxAttempts: 240,
} as const;

/**
 * The snapshot backup machine (docs/architecture.md): start (ownership + RDS quota) → create (idempotent, tagged) →
 * poll until completed (Wait + Choice, bounded) → optional DR copies and their poll loop → record (manifest, then
 * succeeded). JSONPath only, so aws-local-stepfunctions runs the very definition synthesized here. One function runs
 * every step (`action` in the payload); any error lands in $.error, is recorded, and fails the execution.
 */
export class Snapshots extends Construct {
  readonly stateMachine: StateMachine;
  readonly handler: StrongboxFunction;

  constructor(scope: Construct, id: string, props: SnapshotsProps) {
    super(scope, id);
    this.handler = new StrongboxFunction(this, 'Handler', {
      entry: ENTRIES.snapshotBackup,
      environment: props.environment,
      timeout: Duration.minutes(2),
    });
    props.data.grantCatalogReadWrite(this.handler);
    props.data.grantVaultWrite(this.handler);
    grantSnapshotCreate(this.handler);

    const ids = { tenantId: JsonPath.stringAt('$.tenantId'), backupId: JsonPath.stringAt('$.backupId') };
    const task = (taskId: string, stateName: string, payload: Record<string, unknown>, resultPath: string) =>
      new LambdaInvoke(this, taskId, {
        stateName,
        lambdaFunction: this.handler.function,
        payloadResponseOnly: true,
        payload: TaskInput.fromObject({ ...payload, ...ids }),
        // Explicit, so no executor falls back to its own default (aws-local-stepfunctions uses 60 s).
        taskTimeout: Timeout.duration(Duration.minutes(3)),
        resultPath,
      });
    const poll = (path: string, maxAttempts: number, waitSeconds: number) => ({
      attempts: JsonPath.numberAt(`${path}.attempts`),
      maxAttempts,
      waitSeconds,
    });

    const failed = new Fail(this, 'Failed', {
      stateName: SNAPSHOT_STATES.failed,
      errorPath: '$.error.Error',
      causePath: '$.error.Cause',
    });
    const recordFailure = task(
      'RecordFailure',
      SNAPSHOT_STATES.recordFailure,
      { action: 'fail', error: JsonPath.objectAt('$.error') },
      JsonPath.DISCARD,
    );
    // If recording the failure fails too, still fail with the original error ($.error stays untouched).
    recordFailure.addCatch(failed, { errors: [Errors.ALL], resultPath: '$.recordFailureError' });
    recordFailure.next(failed);

    const { waitSeconds, maxAttempts, copyWaitSeconds, copyMaxAttempts } = SNAPSHOT_POLLING;
    const start = task('Start', SNAPSHOT_STATES.start, { action: 'start' }, '$.start');
    const create = task('Create', SNAPSHOT_STATES.create, { action: 'create' }, '$.poll');
    const check = task(
      'Check',
      SNAPSHOT_STATES.check,
      { action: 'check', ...poll('$.poll', maxAttempts, waitSeconds) },
      '$.poll',
    );
    const copy = task('Copy', SNAPSHOT_STATES.copy, { action: 'copy' }, '$.copyPoll');
    const checkCopies = task(
      'CheckCopies',
      SNAPSHOT_STATES.checkCopies,
      { action: 'check-copies', ...poll('$.copyPoll', copyMaxAttempts, copyWaitSeconds) },
      '$.copyPoll',
    );
    const record = task('Record', SNAPSHOT_STATES.record, { action: 'record' }, '$.result');
    // Every step calling EC2/RDS retries throttling: the polls (Describe*) and the record step too, not just creates.
    for (const state of [create, check, copy, checkCopies, record]) {
      state.addRetry({ ...THROTTLE_RETRY, errors: [...THROTTLE_RETRY.errors] });
    }
    for (const state of [start, create, check, copy, checkCopies, record]) {
      state.addCatch(recordFailure, { errors: [Errors.ALL], resultPath: '$.error' });
    }

    const wait = new Wait(this, 'Wait', {
      stateName: SNAPSHOT_STATES.wait,
      time: WaitTime.duration(Duration.seconds(waitSeconds)),
    });
    const waitCopies = new Wait(this, 'WaitCopies', {
      stateName: SNAPSHOT_STATES.waitCopies,
      time: WaitTime.duration(Duration.seconds(copyWaitSeconds)),
    });
    const copyChoice = new Choice(this, 'CopyChoice', { stateName: SNAPSHOT_STATES.copyChoice })
      .when(Condition.numberGreaterThan('$.start.copyRegions', 0), copy)
      .otherwise(record);
    const completed = new Choice(this, 'Completed', { stateName: SNAPSHOT_STATES.completed })
      .when(Condition.booleanEquals('$.poll.done', true), copyChoice)
      .otherwise(wait);
    wait.next(check);
    check.next(completed);
    const copiesCompleted = new Choice(this, 'CopiesCompleted', { stateName: SNAPSHOT_STATES.copiesCompleted })
      .when(Condition.booleanEquals('$.copyPoll.done', true), record)
      .otherwise(waitCopies);
    waitCopies.next(checkCopies);
    checkCopies.next(copiesCompleted);
    // Even when CreateSnapshot reports completed at once (moto), the machine checks once before going on.
    copy.next(checkCopies);
    const definition = start.next(create).next(check);

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      stateMachineType: StateMachineType.STANDARD,
      // Two bounded poll loops plus retries: above their sum, so the loops' own clear errors come first.
      timeout: Duration.hours(7),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH }),
        level: LogLevel.ALL,
        includeExecutionData: true,
      },
    });

    acknowledgeWildcardResources(
      this.stateMachine,
      [`${this.handler.functionArn}:*`],
      'LambdaInvoke grants lambda:InvokeFunction on the step function and its versions/aliases; the ARN names the ' +
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
