import type { Server } from 'node:http';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PRUNE_STATES } from '../../infra/constructs/retention';
import { ENTRIES, entryPath } from '../../infra/contract';
import { startAwsEndpoint } from '../../scripts/local/aws-endpoint';
import { LocalFunctions } from '../../scripts/local/functions';
import { provisionSchedules } from '../../scripts/local/schedules';
import { LocalStateMachines } from '../../scripts/local/state-machines';
import { synthesizeCached } from '../../scripts/local/synth';
import { type CfnResource, type CfnTemplate, TemplateResolver } from '../../scripts/local/template';
import { STEPS_PER_EXECUTION, type StandInCursor, standInCalls } from '../support/fixtures-local-sfn/continue-as-new';
import { REPO_ROOT } from '../support/local-service';
import { motoEndpoint } from '../support/testbed';

/**
 * Local mode's `arn:aws:states:::states:startExecution` task (the prune machine continuing as new): hand-written
 * machines in a CloudFormation-like template run by LocalStateMachines over real handler files, then the synthesized
 * prune machine itself, and its daily schedule as local mode creates it on the emulator.
 */
const STACK = 'LocalSfnStartTest';
const REGION = 'us-east-1';
const ENTRY = 'test/support/fixtures-local-sfn/continue-as-new.ts';
const START = 'arn:{{Partition}}:states:::states:startExecution';

let functions: LocalFunctions;
let machines: LocalStateMachines;
let server: Server;
let sfn: SFNClient;

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

const TEMPLATE: CfnTemplate = {
  Resources: {
    Step: {
      Type: 'AWS::Lambda::Function',
      Properties: { Timeout: 30 },
      Metadata: { 'strongbox:entry': ENTRY, 'strongbox:handler': 'pruneStandIn' },
    },
    // The prune machine's shape: step → choice → continue as new, the cursor at $.run.
    ChainMachine: machine({
      StartAt: 'Step',
      States: {
        Step: {
          Type: 'Task',
          Resource: '{{Step.Arn}}',
          Parameters: { action: 'step', 'input.$': '$' },
          ResultPath: '$.run',
          Next: 'Done?',
        },
        'Done?': {
          Type: 'Choice',
          Choices: [
            {
              And: [
                { Variable: '$.run.done', IsPresent: true },
                { Variable: '$.run.done', BooleanEquals: true },
              ],
              Next: 'Finished',
            },
            {
              And: [
                { Variable: '$.run.continueAsNew', IsPresent: true },
                { Variable: '$.run.continueAsNew', BooleanEquals: true },
              ],
              Next: 'Continue',
            },
          ],
          Default: 'Step',
        },
        Continue: {
          Type: 'Task',
          Resource: START,
          Parameters: {
            'StateMachineArn.$': '$$.StateMachine.Id',
            'Name.$': "States.Format('{}-g{}', $.run.runId, $.run.generation)",
            Input: { 'run.$': '$.run', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
          },
          ResultPath: '$.next',
          Next: 'Continued',
        },
        Finished: { Type: 'Succeed' },
        Continued: { Type: 'Succeed' },
      },
    }),
    EchoMachine: machine({ StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } }),
    // Starts what its input names; a refusal is caught, so the test can read the error the service would report.
    StarterMachine: machine({
      StartAt: 'Start',
      States: {
        Start: {
          Type: 'Task',
          Resource: START,
          Parameters: { 'StateMachineArn.$': '$.target', 'Name.$': '$.name', 'Input.$': '$.input' },
          ResultPath: '$.started',
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Refused' }],
          End: true,
        },
        Refused: { Type: 'Pass', End: true },
      },
    }),
  },
};

function arnOf(logicalId: string): string {
  return `arn:aws:states:${REGION}:123456789012:stateMachine:${STACK}-${logicalId}`;
}

async function settle(): Promise<void> {
  while (functions.busy || machines.busy) {
    await functions.idle();
    await machines.idle();
  }
}

/** Starts an execution through the local Step Functions endpoint and returns it when everything has settled. */
async function run(stateMachineArn: string, input: unknown) {
  const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  await settle();
  const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn as string }));
  return { ...execution, output: JSON.parse(execution.output ?? 'null') as Record<string, unknown> };
}

async function bootstrap(
  template: CfnTemplate,
  stackName: string,
  options: { exports?: Map<string, string>; patch?: (fns: LocalFunctions) => void } = {},
) {
  const exports = options.exports ?? new Map<string, string>();
  const resolver = new TemplateResolver(template, { region: REGION, stackName, exports });
  functions = LocalFunctions.declare(resolver, REPO_ROOT, REGION, stackName);
  machines = new LocalStateMachines(functions, { region: REGION, fastWaits: true });
  machines.declare(resolver, stackName);
  functions.resolveEnvironments(resolver);
  machines.resolveDefinitions(resolver);
  options.patch?.(functions);
  const aws = await startAwsEndpoint(functions, machines, 0, { keys: [] });
  server = aws.server;
  sfn = new SFNClient({ region: REGION, endpoint: aws.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  return resolver;
}

async function shutdown(): Promise<void> {
  machines?.stopAll();
  await settle();
  await new Promise((resolve) => server?.close(resolve));
}

describe('states:startExecution in local mode', () => {
  beforeAll(() => bootstrap(TEMPLATE, STACK));
  afterAll(shutdown);
  beforeEach(() => {
    standInCalls().length = 0;
  });

  it('continues as new: each execution starts the next with the cursor, named <runId>-g<generation>', async () => {
    // Prepare
    const cursor: StandInCursor = { runId: 'prn_chain', remaining: 5, steps: 0, generation: 0 };

    // Act
    const first = await run(arnOf('ChainMachine'), { run: cursor });

    // Assess: 5 steps, STEPS_PER_EXECUTION (2) per execution → 3 executions, every one succeeded
    expect(STEPS_PER_EXECUTION).toBe(2);
    const chain = machines.list(arnOf('ChainMachine')).reverse();
    expect(chain.map((execution) => execution.name)).toEqual([first.name, 'prn_chain-g1', 'prn_chain-g2']);
    expect(chain.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(chain[0]?.states).toEqual(['Step', 'Done?', 'Step', 'Done?', 'Continue', 'Continued']);
    expect(chain[2]?.states).toEqual(['Step', 'Done?', 'Finished']);
    // Each one started the next with its cursor and its own id; each step ran exactly once
    expect(JSON.parse(chain[1]?.input ?? '')).toEqual({
      run: { runId: 'prn_chain', remaining: 3, steps: 2, generation: 1, continueAsNew: true },
      AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: chain[0]?.executionArn,
    });
    expect(first.output.next).toEqual({ ExecutionArn: chain[1]?.executionArn, StartDate: expect.any(Number) });
    expect(standInCalls().map((call) => call.run.remaining)).toEqual([5, 4, 3, 2, 1]);
    expect(standInCalls().map((call) => call.startedBy)).toEqual([
      undefined,
      undefined,
      chain[0]?.executionArn,
      chain[0]?.executionArn,
      chain[1]?.executionArn,
    ]);
  });

  it('sends an object Input as its JSON text and a string Input as it is, and answers ExecutionArn and StartDate', async () => {
    // Prepare
    const before = Date.now();

    // Act
    const asObject = await run(arnOf('StarterMachine'), {
      target: arnOf('EchoMachine'),
      name: 'echo-object',
      input: { a: 1, nested: { b: [true] } },
    });
    const asText = await run(arnOf('StarterMachine'), {
      target: arnOf('EchoMachine'),
      name: 'echo-text',
      input: '{"already":"text"}',
    });

    // Assess
    const started = asObject.output.started as { ExecutionArn: string; StartDate: number };
    expect(started.ExecutionArn).toBe(`${arnOf('EchoMachine').replace(':stateMachine:', ':execution:')}:echo-object`);
    expect(started.StartDate).toBeGreaterThanOrEqual(before);
    expect(started.StartDate).toBeLessThanOrEqual(Date.now());
    expect(machines.describe(started.ExecutionArn)).toMatchObject({
      input: '{"a":1,"nested":{"b":[true]}}',
      status: 'SUCCEEDED',
      output: '{"a":1,"nested":{"b":[true]}}',
    });
    const text = (asText.output.started as { ExecutionArn: string }).ExecutionArn;
    expect(machines.describe(text).input).toBe('{"already":"text"}');
  });

  it.each([
    ['an execution name used before', { name: 'echo-twice', input: { second: true } }, 'ExecutionAlreadyExists'],
    ['a state machine that does not exist', { target: arnOf('Nowhere'), name: 'x' }, 'StateMachineDoesNotExist'],
    ['a name the service refuses', { name: 'run:1' }, 'InvalidName'],
    ['an Input text that is not JSON', { name: 'not-json', input: 'not json' }, 'InvalidExecutionInput'],
  ])('fails on %s with the StepFunctions.* error a Catch or Retry names', async (_case, request, error) => {
    // Prepare
    await run(arnOf('StarterMachine'), { target: arnOf('EchoMachine'), name: 'echo-twice', input: {} });

    // Act
    const refused = await run(arnOf('StarterMachine'), { target: arnOf('EchoMachine'), input: {}, ...request });

    // Assess
    expect(refused.status).toBe('SUCCEEDED');
    expect(refused.output.error).toMatchObject({ Error: `StepFunctions.${error}` });
    expect(refused.output.started).toBeUndefined();
  });
});

describe('the synthesized prune machine in local mode', () => {
  const stacks = synthesizeCached(REPO_ROOT, 'local');
  const stack = () => stacks.service;
  let resolver: TemplateResolver;

  beforeAll(async () => {
    // The service imports the data stack's exports; unprovisioned, they resolve to placeholders.
    const { data } = stacks;
    const exports = new TemplateResolver(data.template, { region: REGION, stackName: data.name, exports: new Map() });
    resolver = await bootstrap(stack().template, stack().name, {
      exports: exports.exports(),
      // The prune step's function runs the stand-in instead of the real step (whose cursor the runtime owns).
      patch: (fns) => {
        const prune = fns.all().find((fn) => fn.entry === entryPath(ENTRIES.prune));
        if (!prune) throw new Error('the service stack has no prune function');
        fns.add({ ...prune, entry: ENTRY, handlerName: 'pruneStandIn' });
      },
    });
  });
  afterAll(shutdown);
  beforeEach(() => {
    standInCalls().length = 0;
  });

  it('continues as new through its own ARN ($$.StateMachine.Id) until the stand-in step is done', async () => {
    // Prepare
    const prune = machines.byLogicalIdPrefix('RetentionPrune');
    const cursor: StandInCursor = { runId: 'prn_synth', remaining: 3, steps: 0, generation: 0 };

    // Act
    const first = await run(prune.arn, { run: cursor });

    // Assess
    const chain = machines.list(prune.arn).reverse();
    expect(chain.map((execution) => [execution.name, execution.status])).toEqual([
      [first.name, 'SUCCEEDED'],
      ['prn_synth-g1', 'SUCCEEDED'],
    ]);
    expect(chain[0]?.states).toEqual([
      PRUNE_STATES.step,
      PRUNE_STATES.done,
      PRUNE_STATES.step,
      PRUNE_STATES.done,
      PRUNE_STATES.continueAsNew,
      PRUNE_STATES.continued,
    ]);
    expect(chain[1]?.states).toEqual([PRUNE_STATES.step, PRUNE_STATES.done, PRUNE_STATES.finished]);
    expect(first.output.next).toEqual({ executionArn: chain[1]?.executionArn });
    expect(JSON.parse(chain[1]?.input ?? '')).toMatchObject({
      AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: chain[0]?.executionArn,
    });
    expect(standInCalls()).toHaveLength(3);
  });

  it('creates the daily prune schedule on the emulator: the local machine, input {}, retries, the created DLQ', async () => {
    // Prepare
    const emulator = { endpoint: motoEndpoint(), region: REGION };
    const scheduler = new SchedulerClient({
      region: REGION,
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });

    // Act: twice, as a restart on a long-lived emulator would
    await provisionSchedules(emulator, resolver, stack().name);
    const names = await provisionSchedules(emulator, resolver, stack().name);

    // Assess: the daily prune, the missed-backup sweep and the daily schedule repair
    expect(names).toHaveLength(3);
    const all = await Promise.all(names.map((Name) => scheduler.send(new GetScheduleCommand({ Name }))));
    const prune = machines.byLogicalIdPrefix('RetentionPrune').arn;
    const schedule = all.find((found) => found.Target?.Arn === prune);
    if (!schedule) throw new Error('no prune schedule');
    expect(all.filter((found) => found.Target?.Arn !== prune)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          ScheduleExpression: 'rate(15 minutes)',
          Target: expect.objectContaining({ Arn: expect.stringContaining('SchedulesRpoSweep'), Input: '{}' }),
        }),
        expect.objectContaining({
          ScheduleExpression: 'cron(30 1 * * ? *)',
          Target: expect.objectContaining({ Arn: expect.stringContaining('SchedulesReconcileAll'), Input: '{}' }),
        }),
      ]),
    );
    expect(schedule).toMatchObject({
      GroupName: 'default',
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: machines.byLogicalIdPrefix('RetentionPrune').arn,
        Input: '{}',
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21_600 },
        DeadLetterConfig: { Arn: expect.stringMatching(/^arn:aws:sqs:us-east-1:123456789012:/) },
        RoleArn: expect.stringMatching(/^arn:aws:iam::123456789012:role\//),
      },
    });
    const queue = schedule.Target?.DeadLetterConfig?.Arn?.split(':').at(-1);
    const queues = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.GetQueueUrl',
        authorization: `AWS4-HMAC-SHA256 Credential=x/20250101/${REGION}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify({ QueueName: queue }),
    });
    expect(queues.status).toBe(200);
    scheduler.destroy();
  });
});
