import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
} from 'aws-local-stepfunctions';
import type { LocalFunctions } from './functions';
import { type AslDefinition, prepareDefinition, runTaskState, type TaskRun, taskStates } from './task-states';
import { TaskTokens, taskFailure, type WaitingTask } from './task-tokens';
import { LOCAL_ACCOUNT, type TemplateResolver } from './template';

export type { AslDefinition, AslState } from './task-states';
export {
  InvalidOutputError,
  InvalidTokenError,
  TaskDoesNotExistError,
  TaskTimedOutError,
  type WaitingTask,
} from './task-tokens';

type LocalTaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type JSONValue = ReturnType<LocalTaskHandlers[string]> extends Promise<infer T> | infer T ? T : never;

/**
 * The service stack's state machines, executed in this process from the synthesized ASL with aws-local-stepfunctions.
 * Lambda task states run the real handlers through LocalFunctions (task-states.ts); `.waitForTaskToken` tasks wait
 * for SendTaskSuccess/SendTaskFailure (task-tokens.ts). moto stores state machines but never executes them
 * (DESIGN.md §8): this is the stand-in behind the local Step Functions endpoint and the workflow tests.
 */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface LocalExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  status: ExecutionStatus;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** Names of the states entered, in order (for diagnostics and tests). */
  readonly states: string[];
}

export interface LocalStateMachine {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  definition?: AslDefinition;
}

export class ExecutionAlreadyExistsError extends Error {
  override readonly name = 'ExecutionAlreadyExists';
}

export class StateMachineDoesNotExistError extends Error {
  override readonly name = 'StateMachineDoesNotExist';
}

export class ExecutionDoesNotExistError extends Error {
  override readonly name = 'ExecutionDoesNotExist';
}

/** An execution whose executor has not finished, or whose task handlers still run after it was stopped. */
interface ExecutionRun {
  abort(): void;
  /** Task handlers in flight; a task waiting for its token counts until it resumes. */
  active: number;
  settled: boolean;
}

/** Error and cause of a failed execution, as DescribeExecution reports them (the executor wraps the state's error). */
function failureOf(error: unknown): { error: string; cause: string } {
  const failure = (error instanceof ExecutionError ? error.cause : error) as { name?: string; message?: string };
  const cause = (failure as { cause?: unknown }).cause;
  return { error: failure.name ?? 'Error', cause: typeof cause === 'string' ? cause : (failure.message ?? '') };
}

export class LocalStateMachines {
  private readonly machines = new Map<string, LocalStateMachine>();
  private readonly executions = new Map<string, LocalExecution>();
  private readonly runs = new Map<string, ExecutionRun>();
  private readonly tokens = new TaskTokens(() => this.changed());
  private listeners: (() => void)[] = [];

  constructor(
    private readonly functions: LocalFunctions,
    private readonly options: { region: string; fastWaits: boolean },
  ) {}

  /** Phase 1: names and ARNs, so that other resources can reference the machines. */
  declare(resolver: TemplateResolver, stackName: string): void {
    for (const [logicalId, resource] of resolver.resourcesOfType('AWS::StepFunctions::StateMachine')) {
      const props = resource.Properties ?? {};
      const name =
        typeof props.StateMachineName === 'string' ? props.StateMachineName : `${stackName}-${logicalId}`.slice(0, 80);
      const arn = `arn:aws:states:${this.options.region}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
      resolver.set(logicalId, { ref: arn, attributes: { Arn: arn, Name: name } });
      this.machines.set(arn, { logicalId, name, arn });
    }
  }

  /** Phase 2: the ASL, with every reference resolved. */
  resolveDefinitions(resolver: TemplateResolver): void {
    for (const machine of this.machines.values()) {
      const props = resolver.template.Resources[machine.logicalId]?.Properties ?? {};
      const raw =
        props.DefinitionString !== undefined
          ? resolver.resolve(props.DefinitionString)
          : resolver.resolve(props.Definition);
      let text = typeof raw === 'string' ? raw : JSON.stringify(raw);
      const substitutions = resolver.resolve(props.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
      for (const [key, value] of Object.entries(substitutions)) text = text.split(`\${${key}}`).join(String(value));
      machine.definition = JSON.parse(text) as AslDefinition;
    }
  }

  all(): LocalStateMachine[] {
    return [...this.machines.values()];
  }

  byLogicalIdPrefix(prefix: string): LocalStateMachine {
    const found = this.all().filter((machine) => machine.logicalId.startsWith(prefix));
    if (found.length !== 1)
      throw new Error(`expected one state machine with logical id ${prefix}…, found ${found.length}`);
    return found[0] as LocalStateMachine;
  }

  /** StartExecution. Same name and input while it exists → the same execution; other input → ExecutionAlreadyExists. */
  start(stateMachineArn: string, request: { name?: string; input?: string }): LocalExecution {
    const machine = this.machines.get(stateMachineArn);
    if (!machine?.definition)
      throw new StateMachineDoesNotExistError(`State Machine Does Not Exist: '${stateMachineArn}'`);
    const name = request.name ?? crypto.randomUUID();
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const input = request.input ?? '{}';
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.input === input && existing.status === 'RUNNING') return existing;
      throw new ExecutionAlreadyExistsError(`Execution Already Exists: '${executionArn}'`);
    }
    const execution: LocalExecution = {
      executionArn,
      stateMachineArn,
      name,
      input,
      startDate: new Date(),
      status: 'RUNNING',
      states: [],
    };
    this.executions.set(executionArn, execution);
    void this.run(machine, execution);
    return execution;
  }

  describe(executionArn: string): LocalExecution {
    const execution = this.executions.get(executionArn);
    if (!execution) throw new ExecutionDoesNotExistError(`Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }

  list(stateMachineArn: string, status?: ExecutionStatus): LocalExecution[] {
    return [...this.executions.values()]
      .filter((execution) => execution.stateMachineArn === stateMachineArn && (!status || execution.status === status))
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
  }

  /**
   * StopExecution: the execution is ABORTED at once and a task waiting for its token stops waiting (its token is then
   * spent). A task function already running is not interrupted (as in the service); no later state runs.
   */
  stop(executionArn: string, request: { error?: string; cause?: string } = {}): LocalExecution {
    const execution = this.describe(executionArn);
    if (execution.status !== 'RUNNING') return execution;
    execution.status = 'ABORTED';
    execution.stopDate = new Date();
    if (request.error !== undefined) execution.error = request.error;
    if (request.cause !== undefined) execution.cause = request.cause;
    this.runs.get(executionArn)?.abort();
    this.tokens.release(executionArn, taskFailure('States.Aborted', 'Execution was stopped', true));
    this.changed();
    return execution;
  }

  /** Stops every running execution (local mode shutting down: nothing may keep waiting for a token). */
  stopAll(): void {
    for (const execution of this.executions.values()) {
      if (execution.status === 'RUNNING') this.stop(execution.executionArn, { cause: 'local mode stopped' });
    }
  }

  /** SendTaskSuccess: `output` (JSON text) becomes the waiting task's result. */
  sendTaskSuccess(taskToken: string, output: string): void {
    this.tokens.succeed(taskToken, output);
  }

  /** SendTaskFailure: the waiting task fails with Error `error` and Cause `cause` (Catch/Retry match `error`). */
  sendTaskFailure(taskToken: string, error = '', cause = ''): void {
    this.tokens.fail(taskToken, error, cause);
  }

  /** SendTaskHeartbeat: restarts the waiting task's HeartbeatSeconds clock. */
  sendTaskHeartbeat(taskToken: string): void {
    this.tokens.heartbeat(taskToken);
  }

  /** Tasks waiting for a task token (their function has returned), of one execution or of all. */
  waitingForToken(executionArn?: string): WaitingTask[] {
    return this.tokens.waiting(executionArn);
  }

  /**
   * True while an execution makes progress or a task function started here still runs. An execution whose only
   * activity is waiting for task tokens is not busy: it moves again only when someone calls SendTask*, StopExecution
   * or a timeout passes. (A Parallel branch between two states while another branch waits reads as waiting too.)
   */
  get busy(): boolean {
    for (const [executionArn, run] of this.runs) {
      const waiting = this.tokens.waiting(executionArn).length;
      if (run.active > waiting || (!run.settled && waiting === 0)) return true;
    }
    return false;
  }

  /** Resolves when no execution is busy (running executions may still wait for task tokens). */
  async idle(): Promise<void> {
    while (this.busy) await new Promise<void>((resolve) => this.listeners.push(resolve));
  }

  /** Something that `busy` depends on changed: let idle() look again. */
  private changed(): void {
    for (const [executionArn, run] of this.runs) if (run.settled && run.active === 0) this.runs.delete(executionArn);
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }

  private async run(machine: LocalStateMachine, execution: LocalExecution): Promise<void> {
    const definition = prepareDefinition(machine.definition as AslDefinition);
    const { executionArn } = execution;
    const record: ExecutionRun = { abort: () => undefined, active: 0, settled: false };
    this.runs.set(executionArn, record);
    // `$$.Task.Token`: the executor keeps this object by reference (see task-tokens.ts for the token design).
    const task: TaskRun = {
      executionArn,
      functions: this.functions,
      tokens: this.tokens,
      task: { Token: this.tokens.mint(executionArn) },
      startExecution: (stateMachineArn, request) => this.start(stateMachineArn, request),
    };
    const handlers: LocalTaskHandlers = {};
    const zero: Record<string, number> = {};
    for (const [name, state] of taskStates(definition.States)) {
      handlers[name] = (input) => {
        if (record.settled) throw taskFailure('States.Aborted', 'Execution was stopped', true);
        record.active++;
        // runTaskState takes the token synchronously, in the step in which the executor evaluated the Parameters.
        return runTaskState(task, name, state, input).finally(() => {
          record.active--;
          this.changed();
        }) as Promise<JSONValue>;
      };
      zero[name] = 0;
    }
    const waits = Object.fromEntries(
      Object.entries(definition.States)
        .filter(([, state]) => state.Type === 'Wait')
        .map(([name]) => [name, 0]),
    );
    let logging: Promise<void> | undefined;
    try {
      const stateMachine = new StateMachine(definition as never, {
        validationOptions: { checkPaths: true, checkArn: true },
      });
      const result = stateMachine.run(JSON.parse(execution.input), {
        overrides: {
          taskResourceLocalHandlers: handlers,
          ...(this.options.fastWaits ? { waitTimeOverrides: waits, retryIntervalOverrides: zero } : {}),
        },
        context: {
          Execution: {
            Id: executionArn,
            Name: execution.name,
            Input: JSON.parse(execution.input),
            StartTime: execution.startDate.toISOString(),
          },
          StateMachine: { Id: machine.arn, Name: machine.name },
          Task: task.task,
        },
      });
      record.abort = result.abort;
      // The log closes when the execution ends in any way; it is drained before anyone may see the execution ended.
      logging = (async () => {
        for await (const event of result.eventLogs) {
          if (event.type === 'StateEntered') execution.states.push((event as { state: { name: string } }).state.name);
        }
      })().catch(() => undefined);
      const output = await result.result;
      await logging;
      execution.status = 'SUCCEEDED';
      execution.output = JSON.stringify(output ?? null);
    } catch (error) {
      // StopExecution already recorded ABORTED (the executor then rejects with ExecutionAbortedError).
      await logging;
      if (!(error instanceof ExecutionAbortedError) && execution.status === 'RUNNING') {
        if (error instanceof ExecutionTimeoutError) {
          execution.status = 'TIMED_OUT';
          execution.error = 'States.Timeout';
          execution.cause = "The execution ran longer than the state machine's TimeoutSeconds";
        } else {
          execution.status = 'FAILED';
          Object.assign(execution, failureOf(error));
        }
      }
    } finally {
      execution.stopDate ??= new Date();
      record.settled = true;
      this.tokens.release(executionArn, taskFailure('States.Aborted', 'Execution has ended', true));
      this.changed();
    }
  }
}
