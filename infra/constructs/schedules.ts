import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENTRIES, ENV } from '../contract';
import { grantCloudRead } from './cloud-access';
import type { DataAccess } from './data-access';
import { StrongboxFunction, type StrongboxImageFunction } from './function';
import { acknowledgeWildcardResources } from './nag';
import { defaultGroupSchedulerRole } from './scheduler-role';

export interface SchedulesProps {
  readonly data: DataAccess;
  /** Environment shared by every function of the service. */
  readonly environment: Record<string, string>;
  /** Tenants' schedule groups are `<groupPrefix>-<tenantId>`; IAM is scoped by the prefix. */
  readonly groupPrefix: string;
  /** What a scheduled backup starts: the dump worker (databases) and the snapshot backup machine (cloud resources). */
  readonly runDump: StrongboxImageFunction;
  readonly snapshotStateMachine: IStateMachine;
  /** How often the missed-backup (RPO) sweep runs: an EventBridge Scheduler expression. */
  readonly rpoSweepExpression: string;
  /** When every tenant's schedules are reconciled with the catalog (drift repair). */
  readonly reconcileExpression: string;
}

/**
 * Policies' schedules (issue 5, docs/schedules.md): the dispatch function every tenant schedule targets, the role
 * EventBridge Scheduler assumes to invoke it, and the schedules' dead-letter queue. The schedules themselves are created
 * at run time by the policies API, one group per tenant (`<prefix>-<tenantId>`), so they are not in this template.
 */
export class Schedules extends Construct {
  readonly dispatch: StrongboxFunction;
  readonly role: Role;
  readonly deadLetterQueue: Queue;
  readonly groupPrefix: string;
  /** Marks overdue scheduled sources as missed, for every tenant (started by `rpoSchedule`). */
  readonly rpoSweep: StrongboxFunction;
  readonly rpoSchedule: Schedule;
  /** Reconciles every tenant's schedules with the catalog daily (started by `reconcileSchedule`). */
  readonly reconcileAll: StrongboxFunction;
  readonly reconcileSchedule: Schedule;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.groupPrefix = props.groupPrefix;
    this.dispatch = new StrongboxFunction(this, 'Dispatch', {
      entry: ENTRIES.dispatch,
      timeout: Duration.minutes(2),
      environment: {
        ...props.environment,
        [ENV.dumpFunction]: props.runDump.functionName,
        [ENV.snapshotStateMachineArn]: props.snapshotStateMachine.stateMachineArn,
      },
    });
    props.data.grantCatalogReadWrite(this.dispatch);
    props.runDump.function.grantInvoke(this.dispatch);
    props.snapshotStateMachine.grantStartExecution(this.dispatch);
    // A scheduled snapshot backup re-checks that the resource still carries the tenant's tag.
    grantCloudRead(this.dispatch);
    acknowledgeWildcardResources(
      this.dispatch,
      [`${props.runDump.functionArn}:*`],
      'grantInvoke also covers versions and aliases of the dump function; the ARN names one function.',
    );

    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the tenants’ policy schedules (EventBridge Scheduler ' +
        'DeadLetterConfig, which cdk-nag does not recognise); an alarm watches its visible messages.',
    });

    // Scheduler assumes the role only for schedules in this account's groups of this deployment (confused-deputy
    // guard): Scheduler's aws:SourceArn is the schedule GROUP's ARN, never a schedule's (the Scheduler guide says a
    // schedule ARN there makes every assumption fail). It may invoke the dispatcher and dead-letter to the queue.
    this.role = new Role(this, 'SchedulerRole', {
      description: 'EventBridge Scheduler: invokes the Strongbox dispatcher for tenant policy schedules',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': this.arns().groups },
        },
      }),
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.dispatch.functionArn] }),
    );
    this.deadLetterQueue.grantSendMessages(this.role);

    this.rpoSweep = new StrongboxFunction(this, 'RpoSweep', {
      entry: ENTRIES.rpoSweep,
      timeout: Duration.minutes(5),
      environment: props.environment,
    });
    props.data.grantCatalogReadWrite(this.rpoSweep);
    // Its own role, trusted only for this account's default group (where the service's own schedules live).
    const sweepRole = defaultGroupSchedulerRole(
      this,
      'RpoSweepRole',
      'EventBridge Scheduler: starts the Strongbox missed-backup sweep',
    );
    this.rpoSchedule = new Schedule(this, 'RpoSweepSchedule', {
      description: 'Strongbox: mark sources whose scheduled backup is overdue as missed',
      schedule: ScheduleExpression.expression(props.rpoSweepExpression, TimeZone.ETC_UTC),
      timeWindow: TimeWindow.off(),
      target: new LambdaInvoke(this.rpoSweep.function, {
        role: sweepRole,
        input: ScheduleTargetInput.fromObject({}),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.minutes(15),
      }),
    });
    this.reconcileAll = new StrongboxFunction(this, 'ReconcileAll', {
      entry: ENTRIES.reconcileAll,
      timeout: Duration.minutes(15),
      environment: { ...props.environment, ...this.managerEnvironment() },
    });
    props.data.grantCatalogReadWrite(this.reconcileAll);
    this.grantManage(this.reconcileAll);
    const reconcileRole = defaultGroupSchedulerRole(
      this,
      'ReconcileRole',
      "EventBridge Scheduler: starts the Strongbox daily repair of tenants' schedules",
    );
    this.reconcileSchedule = new Schedule(this, 'ReconcileSchedule', {
      description: "Strongbox: reconcile every tenant's policy schedules with the catalog (drift repair)",
      schedule: ScheduleExpression.expression(props.reconcileExpression, TimeZone.ETC_UTC),
      timeWindow: TimeWindow.off(),
      target: new LambdaInvoke(this.reconcileAll.function, {
        role: reconcileRole,
        input: ScheduleTargetInput.fromObject({}),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    });
    acknowledgeWildcardResources(
      reconcileRole,
      [`${this.reconcileAll.functionArn}:*`],
      'The Scheduler Lambda target grants lambda:InvokeFunction on the reconcile function and its versions/aliases; ' +
        'the ARN names that one function.',
    );
    acknowledgeWildcardResources(
      sweepRole,
      [`${this.rpoSweep.functionArn}:*`],
      'The Scheduler Lambda target grants lambda:InvokeFunction on the sweep function and its versions/aliases; the ' +
        'ARN names that one function.',
    );
  }

  /** What a function creating tenants' schedules needs to know: their target, role and dead-letter queue. */
  managerEnvironment(): Record<string, string> {
    return {
      [ENV.dispatchFunctionArn]: this.dispatch.functionArn,
      [ENV.schedulerRoleArn]: this.role.roleArn,
      [ENV.scheduleDlqArn]: this.deadLetterQueue.queueArn,
    };
  }

  /**
   * Lets a function manage schedules only in this deployment's tenant groups (`<prefix>-<tenantId>`) and hand Scheduler
   * only the dispatcher's role. ListSchedules has no resource-level permission.
   */
  grantManage(fn: StrongboxFunction): void {
    const arns = this.arns();
    fn.function.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'scheduler:CreateSchedule',
          'scheduler:UpdateSchedule',
          'scheduler:DeleteSchedule',
          'scheduler:GetSchedule',
        ],
        resources: [arns.schedules],
      }),
    );
    fn.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['scheduler:CreateScheduleGroup', 'scheduler:GetScheduleGroup', 'scheduler:TagResource'],
        resources: [arns.groups],
      }),
    );
    fn.function.addToRolePolicy(new PolicyStatement({ actions: ['scheduler:ListSchedules'], resources: ['*'] }));
    fn.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    acknowledgeWildcardResources(
      fn,
      [arns.schedules, arns.groups],
      "Tenants' schedule groups are created at run time, one per tenant: the ARNs are scoped to this deployment's " +
        'group prefix, the narrowest name known at deploy time.',
    );
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'scheduler:ListSchedules has no resource-level permissions (it lists the groups given in the request).',
    });
  }

  /** The scheduler ARNs of this deployment's tenant groups and their schedules. */
  arns(): { groups: string; schedules: string } {
    const stack = Stack.of(this);
    return {
      groups: stack.formatArn({
        service: 'scheduler',
        resource: 'schedule-group',
        resourceName: `${this.groupPrefix}-*`,
      }),
      schedules: stack.formatArn({
        service: 'scheduler',
        resource: 'schedule',
        resourceName: `${this.groupPrefix}-*/*`,
      }),
    };
  }
}
