import { Aws, Duration, TimeZone, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import {
  Choice,
  Condition,
  CustomState,
  DefinitionBody,
  JitterType,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ENTRIES } from '../contract';
import { grantSnapshotDelete, THROTTLE_RETRY } from './cloud-access';
import type { DataAccess } from './data-access';
import { StrongboxFunction } from './function';
import { acknowledgeWildcardResources } from './nag';
import { defaultGroupSchedulerRole } from './scheduler-role';

export interface RetentionProps {
  readonly data: DataAccess;
  /** Environment of the prune step: the service's shared one plus any configured STRONGBOX_PRUNE_* variable. */
  readonly environment: Record<string, string>;
  /** When the prune of every tenant starts: an EventBridge Scheduler expression and the IANA zone it is read in. */
  readonly schedule: { readonly expression: string; readonly timeZone: string };
}

/** State names are a contract: tests and local mode address states by name. */
export const PRUNE_STATES = {
  step: 'Prune step',
  done: 'Prune done?',
  finished: 'Prune finished',
  continueAsNew: 'Continue as new',
  continued: 'Continued as new',
} as const;

/** Lambda's own transient failures (throttling, service errors), retried with backoff before the step fails. */
export const LAMBDA_SERVICE_RETRY = {
  errors: [
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 5,
  maxDelay: Duration.seconds(30),
  jitterStrategy: JitterType.FULL,
} as const;

/** Starting the next execution: Step Functions' open-execution limit and transient failures, with backoff. */
export const CONTINUE_RETRY = {
  errors: ['StepFunctions.ExecutionLimitExceeded', 'States.TaskFailed'],
  interval: Duration.seconds(5),
  backoffRate: 2,
  maxAttempts: 6,
  maxDelay: Duration.seconds(60),
  jitterStrategy: JitterType.FULL,
} as const;

/**
 * Step Functions history events (Standard: at most 25,000 per execution; DESIGN.md §9 P8 asks for half). The service
 * writes, per "Prune step" visit: TaskStateEntered and TaskStateExited (2), and per attempt TaskScheduled, TaskStarted
 * and TaskSucceeded | TaskFailed | TaskTimedOut (3; the Lambda-ARN form writes LambdaFunctionScheduled/Started/
 * Succeeded|Failed, also 3, or 2 when Lambda refuses to start it); then "Prune done?" ChoiceStateEntered and
 * ChoiceStateExited (2). The step makes at most 1 + THROTTLE_RETRY.maxAttempts + LAMBDA_SERVICE_RETRY.maxAttempts
 * attempts (each retrier counts its own), so a step writes at most 2 + 3 × 12 + 2 = 40 events.
 */
export const PRUNE_HISTORY = {
  limit: 25_000,
  budget: 12_500,
  worstCaseEventsPerStep: 2 + 3 * (1 + THROTTLE_RETRY.maxAttempts + LAMBDA_SERVICE_RETRY.maxAttempts) + 2,
  /**
   * Once per execution: ExecutionStarted (1), "Continue as new" entered/exited and its attempts (2 + 3 × 7), the
   * Succeed state entered/exited (2) and ExecutionSucceeded (1).
   */
  worstCaseEventsPerExecution: 1 + 2 + 3 * (1 + CONTINUE_RETRY.maxAttempts) + 2 + 1,
} as const;

/**
 * The documented bound the runtime mirrors: a prune execution runs at most this many steps, then continues as new.
 * (12,500 − 27) / 40 = 311 steps fit the budget even if every step needed every retry; 300 leaves a margin. The
 * prune step (lambdas/handlers/workflows/prune.ts) sets `continueAsNew` when its execution reached it.
 */
export const PRUNE_MAX_STEPS_PER_EXECUTION = 300;

/** A step works for STRONGBOX_PRUNE_STEP_SECONDS (default 600) and returns; the function may run for 15 minutes. */
const STEP_FUNCTION_TIMEOUT = Duration.minutes(15);

/**
 * Retention (issue 4): the prune machine, defined once, started daily for every tenant by an EventBridge Scheduler
 * schedule (input `{}`), or by an operator for one tenant (`{run: {tenantId}}`).
 *
 * ```
 * Prune step → Prune done? ─done─────────→ Prune finished
 *      ↑                   ├continueAsNew→ Continue as new → Continued as new
 *      └────── otherwise ──┘
 * ```
 *
 * Each step plans a tenant and source, deletes in batches within its time budget (pacing EC2 DeleteSnapshot) and
 * returns the cursor (`$.run`). Before the history grows past half the limit, the step asks to continue as new: the
 * machine starts its own next execution with the cursor, named `<runId>-g<generation>` (so a retried start is the
 * same execution), and ends. JSONPath only, so aws-local-stepfunctions runs the very definition synthesized here.
 */
export class Retention extends Construct {
  readonly stateMachine: StateMachine;
  readonly handler: StrongboxFunction;
  readonly schedule: Schedule;
  /** Where the schedule puts a start it could not deliver (alarmed on in Observability). */
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: RetentionProps) {
    super(scope, id);
    this.handler = new StrongboxFunction(this, 'PruneHandler', {
      entry: ENTRIES.prune,
      environment: props.environment,
      timeout: STEP_FUNCTION_TIMEOUT,
      memorySize: 1_024,
    });
    props.data.grantCatalogReadWrite(this.handler);
    props.data.grantVaultPrune(this.handler);
    grantSnapshotDelete(this.handler);

    const step = new LambdaInvoke(this, 'Step', {
      stateName: PRUNE_STATES.step,
      lambdaFunction: this.handler.function,
      payloadResponseOnly: true,
      payload: TaskInput.fromObject({ action: 'step', input: JsonPath.entirePayload }),
      // Explicit, so no executor falls back to its own default (aws-local-stepfunctions uses 60 s).
      taskTimeout: Timeout.duration(STEP_FUNCTION_TIMEOUT),
      resultPath: '$.run',
      // Replaced by LAMBDA_SERVICE_RETRY below, which also retries Lambda's throttling.
      retryOnServiceExceptions: false,
    });
    step.addRetry({ ...THROTTLE_RETRY, errors: [...THROTTLE_RETRY.errors] });
    step.addRetry({ ...LAMBDA_SERVICE_RETRY, errors: [...LAMBDA_SERVICE_RETRY.errors] });

    const finished = new Succeed(this, 'Finished', { stateName: PRUNE_STATES.finished });
    const continued = new Succeed(this, 'Continued', { stateName: PRUNE_STATES.continued });
    // CDK's StepFunctionsStartExecution cannot name its own machine; the native integration can, through $$.
    const continueAsNew = new CustomState(this, PRUNE_STATES.continueAsNew, {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::states:startExecution`,
        Parameters: {
          'StateMachineArn.$': '$$.StateMachine.Id',
          'Name.$': "States.Format('{}-g{}', $.run.runId, $.run.generation)",
          Input: { 'run.$': '$.run', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
        },
        ResultSelector: { 'executionArn.$': '$.ExecutionArn' },
        ResultPath: '$.next',
        TimeoutSeconds: 60,
      },
    });
    // The name makes the start idempotent: a retry after a lost answer finds the same (open) execution. If that one
    // has already closed, the start answers ExecutionAlreadyExists: the run did continue, so that is success too.
    continueAsNew.addRetry({ errors: ['StepFunctions.ExecutionAlreadyExists'], maxAttempts: 0 });
    continueAsNew.addRetry({ ...CONTINUE_RETRY, errors: [...CONTINUE_RETRY.errors] });
    continueAsNew.addCatch(continued, { errors: ['StepFunctions.ExecutionAlreadyExists'], resultPath: '$.next' });
    continueAsNew.next(continued);

    const flag = (path: string) => Condition.and(Condition.isPresent(path), Condition.booleanEquals(path, true));
    const done = new Choice(this, 'Done', { stateName: PRUNE_STATES.done })
      .when(flag('$.run.done'), finished)
      .when(flag('$.run.continueAsNew'), continueAsNew)
      .otherwise(step);
    const definition = step.next(done);

    this.stateMachine = new StateMachine(this, 'PruneStateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      stateMachineType: StateMachineType.STANDARD,
      // Never the binding limit: the step count is (PRUNE_MAX_STEPS_PER_EXECUTION steps of at most 15 min + retries).
      timeout: Duration.minutes((STEP_FUNCTION_TIMEOUT.toMinutes() + 1) * PRUNE_MAX_STEPS_PER_EXECUTION),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH }),
        level: LogLevel.ALL,
        includeExecutionData: true,
      },
    });
    // Continuing as new starts this very machine. A policy of its own, apart from the role's default policy (which
    // the machine depends on), so the machine's ARN can be named exactly without a dependency cycle.
    new Policy(this, 'ContinueAsNewPolicy', {
      roles: [this.stateMachine.role],
      statements: [
        new PolicyStatement({ actions: ['states:StartExecution'], resources: [this.stateMachine.stateMachineArn] }),
      ],
    });

    acknowledgeWildcardResources(
      this.stateMachine,
      [`${this.handler.functionArn}:*`],
      'LambdaInvoke grants lambda:InvokeFunction on the prune step function and its versions/aliases; the ARN ' +
        'names the one function of this machine.',
    );
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Execution logging (logs:*LogDelivery, logs:PutResourcePolicy, logs:DescribeResourcePolicies, ' +
        'logs:DescribeLogGroups) and X-Ray tracing use APIs without resource-level permissions.',
    });

    ({ schedule: this.schedule, deadLetterQueue: this.deadLetterQueue } = this.dailySchedule(props.schedule));
  }

  /** The daily start: input `{}` (every tenant), retried, undeliverable starts to an encrypted, TLS-only queue. */
  private dailySchedule(config: RetentionProps['schedule']): { schedule: Schedule; deadLetterQueue: Queue } {
    const deadLetterQueue = new Queue(this, 'ScheduleDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the prune schedule (EventBridge Scheduler DeadLetterConfig, ' +
        'which cdk-nag does not recognise); an alarm watches its visible messages.',
    });
    // Scheduler assumes the role only for schedules of this account's default group (confused-deputy guard); the
    // target grants it states:StartExecution on this machine and sqs:SendMessage on the queue, nothing else.
    const role = defaultGroupSchedulerRole(
      this,
      'ScheduleRole',
      'EventBridge Scheduler: starts the Strongbox prune machine',
    );
    const schedule = new Schedule(this, 'PruneSchedule', {
      description: 'Strongbox retention: prune every tenant',
      schedule: ScheduleExpression.expression(config.expression, TimeZone.of(config.timeZone)),
      timeWindow: TimeWindow.off(),
      target: new StepFunctionsStartExecution(this.stateMachine, {
        role,
        input: ScheduleTargetInput.fromObject({}),
        deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(6),
      }),
    });
    return { schedule, deadLetterQueue };
  }
}
