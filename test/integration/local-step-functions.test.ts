import type { Server } from 'node:http';
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsEndpoint } from '../../scripts/local/aws-endpoint';
import { LocalFunctions } from '../../scripts/local/functions';
import { LocalStateMachines } from '../../scripts/local/state-machines';
import { type CfnResource, type CfnTemplate, TemplateResolver } from '../../scripts/local/template';
import { approvalRequests } from '../support/fixtures-local-sfn/handlers';
import { REPO_ROOT } from '../support/local-service';

/**
 * Local mode's Step Functions with task tokens: hand-written state machines in a CloudFormation-like template (the
 * way CDK synthesizes them: a DefinitionString joined around partitions and function ARNs), run by LocalStateMachines
 * over real handler files, driven through the local AWS endpoint with the AWS SDK.
 */
const STACK = 'LocalSfnTest';
const REGION = 'us-east-1';
const ENTRY = 'test/support/fixtures-local-sfn/handlers.ts';

let functions: LocalFunctions;
let machines: LocalStateMachines;
let server: Server;
let endpoint: string;
let sfn: SFNClient;

const fn = (handler: string): CfnResource => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Timeout: 30 },
  Metadata: { 'strongbox:entry': ENTRY, 'strongbox:handler': handler },
});

/** `{{Partition}}` and `{{Logical.Arn}}` become Ref / Fn::GetAtt inside an Fn::Join, as in a synthesized template. */
function definitionString(definition: object): unknown {
  const parts = JSON.stringify(definition).split(/\{\{([^}]+)\}\}/);
  return {
    'Fn::Join': [
      '',
      parts.map((part, index) => {
        if (index % 2 === 0) return part;
        if (part === 'Partition') return { Ref: 'AWS::Partition' };
        const [logicalId, attribute] = part.split('.');
        return { 'Fn::GetAtt': [logicalId, attribute] };
      }),
    ],
  };
}

const machine = (definition: object): CfnResource => ({
  Type: 'AWS::StepFunctions::StateMachine',
  Properties: { DefinitionString: definitionString(definition) },
});

const WAIT = 'arn:{{Partition}}:states:::lambda:invoke.waitForTaskToken';
const INVOKE = 'arn:{{Partition}}:states:::lambda:invoke';

/** The machine of the timer tests: its wait task's TimeoutSeconds / HeartbeatSeconds are set per test. */
const timersMachine = (timers: { TimeoutSeconds: number; HeartbeatSeconds?: number }) =>
  machine({
    StartAt: 'Await operator',
    States: {
      'Await operator': {
        Type: 'Task',
        Resource: WAIT,
        Parameters: { FunctionName: '{{Approve.Arn}}', Payload: { 'request.$': '$', 'taskToken.$': '$$.Task.Token' } },
        ...timers,
        ResultPath: '$.approval',
        Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'Timed out' }],
        Next: 'Done',
      },
      Done: { Type: 'Pass', End: true },
      'Timed out': { Type: 'Pass', End: true },
    },
  });

const templateWith = (timers: { TimeoutSeconds: number; HeartbeatSeconds?: number }): CfnTemplate => ({
  Resources: {
    Double: fn('double'),
    Approve: fn('requestApproval'),
    ApproveAtOnce: fn('approveAtOnce'),
    Boom: fn('boom'),
    // The restore approval gate's shape: the tenant's state in, the token to the function, the decision under a path.
    ApprovalMachine: machine({
      StartAt: 'Double',
      States: {
        Double: {
          Type: 'Task',
          Resource: INVOKE,
          Parameters: { FunctionName: '{{Double.Arn}}', 'Payload.$': '$.numbers' },
          ResultSelector: { 'value.$': '$.Payload.value', 'statusCode.$': '$.StatusCode' },
          ResultPath: '$.doubled',
          Next: 'Await approval',
        },
        'Await approval': {
          Type: 'Task',
          Resource: WAIT,
          Parameters: {
            FunctionName: '{{Approve.Arn}}',
            Payload: { 'request.$': '$.request', 'taskToken.$': '$$.Task.Token' },
          },
          TimeoutSeconds: 604800,
          ResultPath: '$.approval',
          Catch: [{ ErrorEquals: ['RestoreRejected'], ResultPath: '$.error', Next: 'Rejected' }],
          Next: 'Approved',
        },
        Approved: { Type: 'Pass', End: true },
        Rejected: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
      },
    }),
    TimersMachine: timersMachine(timers),
    SelfServiceMachine: machine({
      StartAt: 'Approve at once',
      States: {
        'Approve at once': {
          Type: 'Task',
          Resource: WAIT,
          Parameters: {
            FunctionName: '{{ApproveAtOnce.Arn}}',
            Payload: { 'endpoint.$': '$.endpoint', 'taskToken.$': '$$.Task.Token' },
          },
          TimeoutSeconds: 60,
          End: true,
        },
      },
    }),
    FailingMachine: machine({
      StartAt: 'Boom',
      States: {
        Boom: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: '{{Boom.Arn}}', Payload: {} }, End: true },
      },
    }),
  },
});

function arnOf(logicalId: string): string {
  return `arn:aws:states:${REGION}:123456789012:stateMachine:${STACK}-${logicalId}`;
}

async function settle(): Promise<void> {
  while (functions.busy || machines.busy) {
    await functions.idle();
    await machines.idle();
  }
}

async function start(logicalId: string, input: unknown): Promise<string> {
  const started = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: arnOf(logicalId), input: JSON.stringify(input) }),
  );
  return started.executionArn as string;
}

async function describeExecution(executionArn: string) {
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

/** Starts an execution and returns it once it waits for its token, with the token its function received. */
async function startWaiting(logicalId: string, input: unknown) {
  const executionArn = await start(logicalId, input);
  await settle();
  const [waiting] = machines.waitingForToken(executionArn);
  if (!waiting) throw new Error(`${executionArn} does not wait for a token: ${machines.describe(executionArn).status}`);
  return { executionArn, taskToken: waiting.taskToken, waiting };
}

async function bootstrap(source: CfnTemplate): Promise<void> {
  const resolver = new TemplateResolver(source, { region: REGION, stackName: STACK, exports: new Map() });
  functions = LocalFunctions.declare(resolver, REPO_ROOT, REGION, STACK);
  machines = new LocalStateMachines(functions, { region: REGION, fastWaits: true });
  machines.declare(resolver, STACK);
  functions.resolveEnvironments(resolver);
  machines.resolveDefinitions(resolver);
  const aws = await startAwsEndpoint(functions, machines, 0, { keys: [] });
  server = aws.server;
  endpoint = aws.url;
  sfn = new SFNClient({ region: REGION, endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
}

async function shutdown(): Promise<void> {
  machines?.stopAll();
  await settle();
  await new Promise((resolve) => server?.close(resolve));
}

describe('waitForTaskToken and lambda:invoke', () => {
  beforeAll(() => bootstrap(templateWith({ TimeoutSeconds: 3600 })));
  afterAll(shutdown);

  it('waits for SendTaskSuccess without keeping idle() waiting, then puts the output under the ResultPath', async () => {
    // Prepare
    const { executionArn, taskToken, waiting } = await startWaiting('ApprovalMachine', {
      numbers: { value: 21 },
      request: { restoreId: 'rst_1' },
    });

    // Assess the wait: idle() returned, the function got the very token, with the request
    expect(machines.describe(executionArn).status).toBe('RUNNING');
    expect(machines.busy).toBe(false);
    expect(waiting.stateName).toBe('Await approval');
    expect(taskToken).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(approvalRequests().at(-1)).toEqual({ request: { restoreId: 'rst_1' }, taskToken });
    expect(machines.waitingForToken().map((task) => task.executionArn)).toContain(executionArn);

    // Act
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approvedBy: 'ops@platform' }) }));
    await settle();

    // Assess
    const execution = await describeExecution(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output as string)).toEqual({
      numbers: { value: 21 },
      request: { restoreId: 'rst_1' },
      doubled: { value: 42, statusCode: 200 },
      approval: { approvedBy: 'ops@platform' },
    });
    expect(machines.waitingForToken(executionArn)).toEqual([]);
  });

  it('is busy again as soon as the token comes back, until the execution finishes', async () => {
    // Prepare
    const { executionArn, taskToken } = await startWaiting('ApprovalMachine', { numbers: { value: 1 }, request: {} });

    // Act
    machines.sendTaskSuccess(taskToken, '{"approvedBy":"x"}');

    // Assess
    expect(machines.busy).toBe(true);
    await settle();
    expect(machines.describe(executionArn).status).toBe('SUCCEEDED');
  });

  it('fails the task with SendTaskFailure: a Catch on the error name gets Error and Cause', async () => {
    // Prepare
    const { executionArn, taskToken } = await startWaiting('ApprovalMachine', { numbers: { value: 1 }, request: {} });

    // Act
    await sfn.send(
      new SendTaskFailureCommand({ taskToken, error: 'RestoreRejected', cause: 'not during business hours' }),
    );
    await settle();

    // Assess: the Fail state reports $.error.Error and $.error.Cause
    const execution = await describeExecution(executionArn);
    expect(execution.status).toBe('FAILED');
    expect(execution).toMatchObject({ error: 'RestoreRejected', cause: 'not during business hours' });
    expect(machines.describe(executionArn).states).toEqual(['Double', 'Await approval', 'Rejected']);
  });

  it('answers TaskTimedOut for the token of a finished task, InvalidToken for a garbage one', async () => {
    // Prepare
    const { executionArn, taskToken } = await startWaiting('ApprovalMachine', { numbers: { value: 1 }, request: {} });
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
    await settle();

    // Act
    const again = sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{"approvedBy":"twice"}' }));
    const failure = sfn.send(new SendTaskFailureCommand({ taskToken, error: 'RestoreRejected' }));
    const heartbeat = sfn.send(new SendTaskHeartbeatCommand({ taskToken }));
    const garbage = sfn.send(new SendTaskSuccessCommand({ taskToken: 'garbage', output: '{}' }));

    // Assess
    await expect(again).rejects.toMatchObject({ name: 'TaskTimedOut', $metadata: { httpStatusCode: 400 } });
    await expect(failure).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(heartbeat).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(garbage).rejects.toMatchObject({ name: 'InvalidToken', $metadata: { httpStatusCode: 400 } });
    expect(JSON.parse((await describeExecution(executionArn)).output as string).approval).toEqual({});
  });

  it('refuses output that is not JSON with InvalidOutput, and keeps waiting', async () => {
    // Prepare
    const { executionArn, taskToken } = await startWaiting('ApprovalMachine', { numbers: { value: 1 }, request: {} });

    // Act
    const invalid = sfn.send(new SendTaskSuccessCommand({ taskToken, output: 'approved!' }));

    // Assess
    await expect(invalid).rejects.toMatchObject({ name: 'InvalidOutput' });
    expect(machines.waitingForToken(executionArn)).toHaveLength(1);
    machines.sendTaskSuccess(taskToken, '"ok"');
    await settle();
    expect(machines.describe(executionArn).status).toBe('SUCCEEDED');
  });

  it('stops an execution that waits for approval: ABORTED, and its token is spent', async () => {
    // Prepare
    const { executionArn, taskToken } = await startWaiting('ApprovalMachine', { numbers: { value: 1 }, request: {} });

    // Act
    const stopped = await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'OperatorCancelled', cause: 'restore no longer needed' }),
    );
    await settle();

    // Assess
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const execution = await describeExecution(executionArn);
    expect(execution).toMatchObject({
      status: 'ABORTED',
      error: 'OperatorCancelled',
      cause: 'restore no longer needed',
    });
    expect(machines.describe(executionArn).states).toEqual(['Double', 'Await approval']);
    expect(machines.waitingForToken(executionArn)).toEqual([]);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('accepts the token from the function itself, before the function has returned', async () => {
    // Act
    const executionArn = await start('SelfServiceMachine', { endpoint });
    await settle();

    // Assess
    const execution = await describeExecution(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output as string)).toEqual({ approvedBy: 'robot' });
  });

  it('fails a lambda:invoke task with the function error, as Lambda reports it', async () => {
    // Act
    const executionArn = await start('FailingMachine', {});
    await settle();

    // Assess
    const execution = await describeExecution(executionArn);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('DiskFull');
    expect(JSON.parse(execution.cause as string)).toMatchObject({
      errorType: 'DiskFull',
      errorMessage: 'the disk is full',
    });
  });
});

describe('HeartbeatSeconds', () => {
  beforeAll(() => bootstrap(templateWith({ TimeoutSeconds: 3600, HeartbeatSeconds: 1 })));
  afterAll(shutdown);

  it('times the task out when no heartbeat comes, and heartbeats keep it waiting', async () => {
    // Prepare: two executions wait; only one of them gets heartbeats
    const silent = await startWaiting('TimersMachine', { who: 'silent' });
    const beating = await startWaiting('TimersMachine', { who: 'beating' });

    // Act: heartbeats every 400 ms for 2 s (twice the HeartbeatSeconds), then success
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      await sfn.send(new SendTaskHeartbeatCommand({ taskToken: beating.taskToken }));
    }
    await sfn.send(new SendTaskSuccessCommand({ taskToken: beating.taskToken, output: '{"approved":true}' }));
    await settle();

    // Assess: States.Timeout catches the heartbeat timeout (States.HeartbeatTimeout)
    const timedOut = await describeExecution(silent.executionArn);
    expect(timedOut.status).toBe('SUCCEEDED');
    expect(JSON.parse(timedOut.output as string).error).toEqual({
      Error: 'States.HeartbeatTimeout',
      Cause: 'Task heartbeat timed out',
    });
    expect(machines.describe(silent.executionArn).states).toEqual(['Await operator', 'Timed out']);
    await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: silent.taskToken }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
    const approved = await describeExecution(beating.executionArn);
    expect(JSON.parse(approved.output as string)).toEqual({ who: 'beating', approval: { approved: true } });
  });
});

describe('TimeoutSeconds', () => {
  beforeAll(() => bootstrap(templateWith({ TimeoutSeconds: 1 })));
  afterAll(shutdown);

  it('times the task out with States.Timeout after TimeoutSeconds, and spends its token', async () => {
    // Prepare
    const { executionArn, taskToken } = await startWaiting('TimersMachine', { who: 'late' });

    // Act
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await settle();

    // Assess
    const execution = await describeExecution(executionArn);
    // The executor's own timer fails the task (so States.TaskFailed does not catch it); ours only spends the token.
    expect(JSON.parse(execution.output as string).error).toMatchObject({ Error: 'States.Timeout' });
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });
});
