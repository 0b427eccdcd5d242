import { type RunOptions, StateMachine } from 'aws-local-stepfunctions';

type LocalTaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type JSONValue = ReturnType<LocalTaskHandlers[string]> extends Promise<infer T> | infer T ? T : never;

import type { LocalFunctions } from './functions';
import { LOCAL_ACCOUNT, type TemplateResolver } from './template';

/**
 * The service stack's state machines, executed in this process from the synthesized ASL with aws-local-stepfunctions.
 * Lambda task states run the real handlers through LocalFunctions. moto stores state machines but never executes
 * them (DESIGN.md §8): this is the stand-in behind the local Step Functions endpoint and the workflow tests.
 */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

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

interface AslState {
  Type: string;
  Resource?: string;
  Branches?: { States: Record<string, AslState> }[];
  Iterator?: { States: Record<string, AslState> };
  ItemProcessor?: { States: Record<string, AslState> };
  [key: string]: unknown;
}

export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [key: string]: unknown;
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

function taskStates(states: Record<string, AslState>): [string, AslState][] {
  return Object.entries(states).flatMap(([name, state]) => {
    const nested = [
      ...(state.Branches ?? []).map((branch) => branch.States),
      ...(state.Iterator ? [state.Iterator.States] : []),
      ...(state.ItemProcessor ? [state.ItemProcessor.States] : []),
    ].flatMap((inner) => taskStates(inner));
    return state.Type === 'Task' ? [[name, state] as [string, AslState], ...nested] : nested;
  });
}

/** Lambda reports a function error to Step Functions as `Error` = errorType and `Cause` = this JSON. */
function asLambdaError(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const wrapped = new Error(JSON.stringify({ errorType: original.name, errorMessage: original.message, trace: [] }));
  wrapped.name = original.name;
  return wrapped;
}

export class LocalStateMachines {
  private readonly machines = new Map<string, LocalStateMachine>();
  private readonly executions = new Map<string, LocalExecution>();
  private readonly running = new Set<Promise<void>>();

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
    const run = this.run(machine, execution).finally(() => this.running.delete(run));
    this.running.add(run);
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

  /** Resolves when no execution is running. */
  /** True while an invocation or execution started here has not finished. */
  get busy(): boolean {
    return this.running.size > 0;
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async run(machine: LocalStateMachine, execution: LocalExecution): Promise<void> {
    const definition = machine.definition as AslDefinition;
    const tasks = taskStates(definition.States);
    const handlers: LocalTaskHandlers = {};
    const zero: Record<string, number> = {};
    for (const [name, state] of tasks) {
      handlers[name] = async (input) => (await this.runTask(name, state, input)) as JSONValue;
      zero[name] = 0;
    }
    const waits = Object.fromEntries(
      Object.entries(definition.States)
        .filter(([, state]) => state.Type === 'Wait')
        .map(([name]) => [name, 0]),
    );
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
            Id: execution.executionArn,
            Name: execution.name,
            Input: JSON.parse(execution.input),
            StartTime: execution.startDate.toISOString(),
          },
          StateMachine: { Id: machine.arn, Name: machine.name },
        },
      });
      const logging = (async () => {
        for await (const event of result.eventLogs) {
          if (event.type === 'StateEntered') execution.states.push((event as { state: { name: string } }).state.name);
        }
      })();
      const output = await result.result;
      await logging.catch(() => undefined);
      execution.status = 'SUCCEEDED';
      execution.output = JSON.stringify(output ?? null);
    } catch (error) {
      const failure = error as { name?: string; message?: string; cause?: unknown };
      execution.status = 'FAILED';
      execution.error = failure.name ?? 'Error';
      execution.cause = typeof failure.cause === 'string' ? failure.cause : (failure.message ?? '');
    } finally {
      execution.stopDate = new Date();
    }
  }

  private async runTask(name: string, state: AslState, input: unknown): Promise<unknown> {
    const resource = state.Resource ?? '';
    if (!resource.startsWith('arn:aws:lambda:')) {
      throw new Error(`local mode cannot run task "${name}" with resource ${resource}`);
    }
    try {
      return await this.functions.invoke(resource, input);
    } catch (error) {
      throw asLambdaError(error);
    }
  }
}
