import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { THROTTLE_RETRY } from '../../infra/constructs/cloud-access';
import {
  CONTINUE_RETRY,
  LAMBDA_SERVICE_RETRY,
  PRUNE_HISTORY,
  PRUNE_MAX_STEPS_PER_EXECUTION,
  PRUNE_STATES,
} from '../../infra/constructs/retention';
import { LocalFunctions } from '../../scripts/local/functions';
import { type AslDefinition, LocalStateMachines } from '../../scripts/local/state-machines';
import { synthesizeCached } from '../../scripts/local/synth';
import { TemplateResolver } from '../../scripts/local/template';
import { REPO_ROOT } from '../support/local-service';

/**
 * DESIGN.md §9 P8: a prune of 30,000 items stays under half the 25,000-event history limit in every execution.
 *
 * The SYNTHESIZED prune machine runs in aws-local-stepfunctions with a handler stand-in for "Prune step" (the real
 * step is the runtime's; this one works through a simulated backlog, a fixed number of deletions per step, and asks
 * to continue as new when its execution reached `maxSteps` steps) and "Continue as new" overridden to queue the next
 * execution of the same definition with the Input the state evaluated. Each execution's history is counted the way
 * Step Functions writes it (see historyEvents), from the executor's event log.
 */
type Json = Parameters<StateMachine['run']>[0];
type RunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;
type Handlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type EventLogs = ReturnType<StateMachine['run']>['eventLogs'];

const REGION = 'us-east-1';

/** The prune machine as local mode resolves it from the synthesized service stack (same ASL, local ARNs). */
function synthesizedPruneMachine(): { arn: string; name: string; definition: AslDefinition } {
  const stacks = synthesizeCached(REPO_ROOT, 'local');
  const data = new TemplateResolver(stacks.data.template, {
    region: REGION,
    stackName: stacks.data.name,
    exports: new Map(),
  });
  const service = new TemplateResolver(stacks.service.template, {
    region: REGION,
    stackName: stacks.service.name,
    exports: data.exports(),
  });
  const functions = LocalFunctions.declare(service, REPO_ROOT, REGION, stacks.service.name);
  const machines = new LocalStateMachines(functions, { region: REGION, fastWaits: true });
  machines.declare(service, stacks.service.name);
  machines.resolveDefinitions(service);
  const prune = machines.byLogicalIdPrefix('RetentionPrune');
  if (!prune.definition) throw new Error('the prune machine has no definition');
  return { arn: prune.arn, name: prune.name, definition: prune.definition };
}

/**
 * History events of one execution, as Step Functions counts them, from aws-local-stepfunctions' event log:
 * - ExecutionStarted, ExecutionSucceeded / ExecutionFailed / ExecutionAborted / ExecutionTimedOut: 1 each;
 * - a Task state: TaskStateEntered and TaskStateExited (1 each), and per attempt TaskScheduled, TaskStarted and
 *   TaskSucceeded | TaskFailed (3): the first attempt is counted at StateEntered, every retry at StateRetried;
 * - Choice and Succeed states: <Type>StateEntered and <Type>StateExited (1 each);
 * - the executor's StateFailed and StateCaught events are not history events of their own (the failed attempt's
 *   TaskFailed is among its 3).
 */
async function historyEvents(logs: EventLogs, definition: AslDefinition): Promise<number> {
  let events = 0;
  for await (const event of logs) {
    if (event.type.startsWith('Execution')) events += 1;
    else if (event.type === 'StateEntered' || event.type === 'StateExited') events += 1;
    if (event.type === 'StateEntered' || event.type === 'StateRetried') {
      const { name } = (event as { state: { name: string } }).state;
      if (definition.States[name]?.Type === 'Task') events += 3;
    }
  }
  return events;
}

/** The stand-in's cursor, shaped like the runtime's PruneCursor where it matters to the machine. */
interface Cursor {
  readonly runId: string;
  readonly offset: number;
  readonly steps: number;
  readonly generation: number;
  readonly done?: boolean;
  readonly continueAsNew?: boolean;
}

interface Backlog {
  readonly items: number;
  readonly perStep: number;
  readonly maxSteps: number;
  /** Errors a step attempt throws before doing any work, in order; then the attempt succeeds. */
  readonly failuresPerStep?: readonly string[];
  /** Errors "Continue as new" throws before it starts the next execution. */
  readonly continueFailures?: readonly string[];
}

interface ExecutionRecord {
  readonly name: string;
  readonly events: number;
  readonly steps: number;
  readonly output: Record<string, unknown>;
}

function failure(name: string): Error {
  const error = new Error(`${name} (simulated)`);
  error.name = name;
  return error;
}

/** Runs the chain of executions a scheduled prune starts (input `{}`), one after another, until none is queued. */
async function pruneChain(backlog: Backlog) {
  const machine = synthesizedPruneMachine();
  const interpreter = new StateMachine(machine.definition as never, { validationOptions: { checkArn: true } });
  const processed = new Uint8Array(backlog.items);
  const attempts = new Map<string, number>();
  const queue: { name: string; input: Json }[] = [{ name: 'scheduled', input: {} }];
  const executions: ExecutionRecord[] = [];
  const names = new Set<string>();
  let continueAttempts = 0;

  while (queue.length > 0) {
    const next = queue.shift() as { name: string; input: Json };
    expect(names.has(next.name), `execution name ${next.name} used twice`).toBe(false);
    names.add(next.name);
    const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${next.name}`;
    let steps = 0;

    const handlers: Handlers = {
      // The handler stand-in for the prune step: 'step' with the whole state, the cursor back.
      [PRUNE_STATES.step]: (event) => {
        const { action, input } = event as unknown as { action: string; input: { run?: Cursor } };
        expect(action).toBe('step');
        const run: Cursor = input.run ?? { runId: 'prn_p8', offset: 0, steps: 0, generation: 0 };
        const key = `${run.generation}:${run.offset}`;
        const attempt = attempts.get(key) ?? 0;
        attempts.set(key, attempt + 1);
        const planned = backlog.failuresPerStep?.[attempt];
        if (planned !== undefined) throw failure(planned);
        steps += 1;
        const end = Math.min(run.offset + backlog.perStep, backlog.items);
        for (let item = run.offset; item < end; item++) processed[item] = (processed[item] ?? 0) + 1;
        const stepsHere = (run.continueAsNew === true ? 0 : run.steps) + 1;
        const cursor = { runId: run.runId, offset: end, steps: stepsHere, generation: run.generation };
        if (end >= backlog.items) return { ...cursor, done: true };
        if (stepsHere >= backlog.maxSteps) return { ...cursor, generation: run.generation + 1, continueAsNew: true };
        return cursor;
      },
      // Starts the next execution of the same definition, as the service's startExecution integration does.
      [PRUNE_STATES.continueAsNew]: (parameters) => {
        const planned = backlog.continueFailures?.[continueAttempts++];
        if (planned !== undefined) throw failure(planned);
        const { StateMachineArn, Name, Input } = parameters as { StateMachineArn: string; Name: string; Input: Json };
        expect(StateMachineArn).toBe(machine.arn);
        queue.push({ name: Name, input: Input });
        return { ExecutionArn: `${StateMachineArn.replace(':stateMachine:', ':execution:')}:${Name}`, StartDate: 0 };
      },
    };
    continueAttempts = 0;
    const execution = interpreter.run(next.input, {
      overrides: {
        taskResourceLocalHandlers: handlers,
        retryIntervalOverrides: { [PRUNE_STATES.step]: 0, [PRUNE_STATES.continueAsNew]: 0 },
      },
      context: {
        Execution: { Id: executionArn, Name: next.name },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });
    const counting = historyEvents(execution.eventLogs, machine.definition);
    const output = (await execution.result) as Record<string, unknown>;
    executions.push({ name: next.name, events: await counting, steps, output });
  }
  return { executions, processed };
}

function expectEachProcessedOnce(processed: Uint8Array): void {
  const wrong = processed.findIndex((count) => count !== 1);
  expect(wrong, wrong === -1 ? '' : `item ${wrong} was processed ${processed[wrong]} times`).toBe(-1);
}

describe('prune machine history (P8), handler stand-in for the prune step', () => {
  it('counts a one-step prune as 11 events: started, the step (5), the choice (2), the succeed state (2), succeeded', async () => {
    // Act
    const { executions, processed } = await pruneChain({ items: 10, perStep: 100, maxSteps: 5 });

    // Assess
    expect(executions).toEqual([expect.objectContaining({ name: 'scheduled', events: 11, steps: 1 })]);
    expectEachProcessedOnce(processed);
  });

  it('processes 30,000 deletions at 100 per step exactly once, continuing as new every 50 steps, each execution far under 12,500 events', async () => {
    // Act
    const { executions, processed } = await pruneChain({ items: 30_000, perStep: 100, maxSteps: 50 });

    // Assess: 300 steps → 6 executions named <runId>-g<generation> after the scheduled one
    expect(executions.map((execution) => execution.name)).toEqual([
      'scheduled',
      'prn_p8-g1',
      'prn_p8-g2',
      'prn_p8-g3',
      'prn_p8-g4',
      'prn_p8-g5',
    ]);
    expect(executions.map((execution) => execution.steps)).toEqual([50, 50, 50, 50, 50, 50]);
    for (const execution of executions) expect(execution.events, execution.name).toBeLessThan(PRUNE_HISTORY.budget);
    // 50 steps × 7 events + started, continue as new (5), succeed (2), succeeded
    expect(executions[0]?.events).toBe(50 * 7 + 1 + 5 + 2 + 1);
    expect(executions[0]?.output.next).toEqual({ executionArn: expect.stringMatching(/:prn_p8-g1$/) });
    expectEachProcessedOnce(processed);
  });

  it('with the production bound (PRUNE_MAX_STEPS_PER_EXECUTION steps) processes 30,000 at 10 per step exactly once, each execution under 12,500 events', async () => {
    // Act
    const { executions, processed } = await pruneChain({
      items: 30_000,
      perStep: 10,
      maxSteps: PRUNE_MAX_STEPS_PER_EXECUTION,
    });

    // Assess: 3,000 steps → 10 executions of 300 steps
    expect(executions).toHaveLength(30_000 / 10 / PRUNE_MAX_STEPS_PER_EXECUTION);
    for (const execution of executions) {
      expect(execution.steps, execution.name).toBe(PRUNE_MAX_STEPS_PER_EXECUTION);
      expect(execution.events, execution.name).toBeLessThan(PRUNE_HISTORY.budget);
    }
    expectEachProcessedOnce(processed);
  });

  it('stays under 12,500 events at the production bound even when every step and the continuation use every retry', async () => {
    // Prepare: each step fails with every error its retriers allow before it succeeds; so does starting the next
    const failuresPerStep = [
      ...Array<string>(THROTTLE_RETRY.maxAttempts).fill('SnapshotThrottledError'),
      ...Array<string>(LAMBDA_SERVICE_RETRY.maxAttempts).fill('Lambda.TooManyRequestsException'),
    ];
    const continueFailures = Array<string>(CONTINUE_RETRY.maxAttempts).fill('StepFunctions.ExecutionLimitExceeded');
    const items = PRUNE_MAX_STEPS_PER_EXECUTION * 10 + 10;

    // Act
    const { executions, processed } = await pruneChain({
      items,
      perStep: 10,
      maxSteps: PRUNE_MAX_STEPS_PER_EXECUTION,
      failuresPerStep,
      continueFailures,
    });

    // Assess: the first execution is the worst case the bound is derived from, to the event
    const [worst] = executions;
    expect(worst?.steps).toBe(PRUNE_MAX_STEPS_PER_EXECUTION);
    expect(PRUNE_HISTORY.worstCaseEventsPerStep).toBe(40);
    expect(worst?.events).toBe(
      PRUNE_MAX_STEPS_PER_EXECUTION * PRUNE_HISTORY.worstCaseEventsPerStep + PRUNE_HISTORY.worstCaseEventsPerExecution,
    );
    expect(worst?.events).toBeLessThanOrEqual(PRUNE_HISTORY.budget);
    expect(executions).toHaveLength(2);
    expectEachProcessedOnce(processed);
  });
});
