import type { LocalFunctions } from './functions';
import { MAX_TIMER_SECONDS, type TaskTokens, taskFailure } from './task-tokens';

/**
 * Task states as local mode runs them, for the resources the service's state machines use. Three Lambda ones:
 * - `arn:aws:lambda:…` (CDK `payloadResponseOnly`): the input goes to the function, its result is the task result;
 * - `arn:aws:states:::lambda:invoke`: Parameters `{FunctionName, Payload, InvocationType?}`, result shaped like the
 *   service's (`{ExecutedVersion, Payload, StatusCode, …}`);
 * - `arn:aws:states:::lambda:invoke.waitForTaskToken`: the function is invoked with Payload (which must carry
 *   `$$.Task.Token`), its result is dropped, and the task waits for SendTaskSuccess/SendTaskFailure with that token,
 *   or for its TimeoutSeconds / HeartbeatSeconds to pass;
 * and `arn:aws:states:::states:startExecution` (the prune machine continuing as new): Parameters
 * `{StateMachineArn, Name?, Input?}` start an execution here (an object Input is sent as its JSON text) without
 * waiting for it, and the result is the service's `{ExecutionArn, StartDate}`.
 */
export interface AslState {
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

/** What a task handler of one execution needs. */
export interface TaskRun {
  readonly executionArn: string;
  readonly functions: LocalFunctions;
  readonly tokens: TaskTokens;
  /** The execution's `$$.Task` (read by the executor when it evaluates Parameters). */
  readonly task: { Token: string };
  /** StartExecution on the local machines; throws errors named as the API's (ExecutionAlreadyExists, …). */
  readonly startExecution: (
    stateMachineArn: string,
    request: { name?: string; input?: string },
  ) => { executionArn: string; startDate: Date };
}

const WAIT_FOR_TOKEN = /^arn:[^:]+:states:::lambda:invoke\.waitForTaskToken$/;
const LAMBDA_INVOKE = /^arn:[^:]+:states:::lambda:invoke$/;
const FUNCTION_ARN = /^arn:[^:]+:lambda:/;
const START_EXECUTION = /^arn:[^:]+:states:::states:startExecution$/;

export function taskStates(states: Record<string, AslState>): [string, AslState][] {
  return Object.entries(states).flatMap(([name, state]) => {
    const nested = [
      ...(state.Branches ?? []).map((branch) => branch.States),
      ...(state.Iterator ? [state.Iterator.States] : []),
      ...(state.ItemProcessor ? [state.ItemProcessor.States] : []),
    ].flatMap((inner) => taskStates(inner));
    return state.Type === 'Task' ? [[name, state] as [string, AslState], ...nested] : nested;
  });
}

/**
 * The definition the executor runs, adjusted where aws-local-stepfunctions and Node differ from the service:
 * - a `.waitForTaskToken` task without TimeoutSeconds would time out after the executor's 60 s default, where the
 *   service waits (up to a year): it gets the longest timer Node can arm instead;
 * - TimeoutSeconds above ~24.8 days overflow Node's timers (which then fire at once): they are capped;
 * - the service reports a missed heartbeat to catchers and retriers of `States.Timeout` as well as of
 *   `States.HeartbeatTimeout`; the executor matches one name, so those ErrorEquals list both.
 */
export function prepareDefinition(definition: AslDefinition): AslDefinition {
  const prepared = structuredClone(definition);
  const capTimeout = (holder: Record<string, unknown>) => {
    if (typeof holder.TimeoutSeconds === 'number' && holder.TimeoutSeconds > MAX_TIMER_SECONDS)
      holder.TimeoutSeconds = MAX_TIMER_SECONDS;
  };
  const visit = (machine: { States: Record<string, AslState>; TimeoutSeconds?: unknown }) => {
    capTimeout(machine);
    for (const state of Object.values(machine.States)) {
      for (const inner of [...(state.Branches ?? []), state.Iterator, state.ItemProcessor]) if (inner) visit(inner);
      if (state.Type !== 'Task') continue;
      const waits = WAIT_FOR_TOKEN.test(state.Resource ?? '');
      if (waits && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined)
        state.TimeoutSeconds = MAX_TIMER_SECONDS;
      capTimeout(state);
      if (state.HeartbeatSeconds === undefined) continue;
      for (const rule of [...asRules(state.Retry), ...asRules(state.Catch)]) {
        if (rule.ErrorEquals.includes('States.Timeout') && !rule.ErrorEquals.includes('States.HeartbeatTimeout'))
          rule.ErrorEquals.push('States.HeartbeatTimeout');
      }
    }
  };
  visit(prepared);
  return prepared;
}

function asRules(value: unknown): { ErrorEquals: string[] }[] {
  return Array.isArray(value) ? (value as { ErrorEquals: string[] }[]) : [];
}

/** Lambda reports a function error to Step Functions as `Error` = errorType and `Cause` = this JSON. */
export function asLambdaError(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const wrapped = new Error(JSON.stringify({ errorType: original.name, errorMessage: original.message, trace: [] }));
  wrapped.name = original.name;
  return wrapped;
}

/**
 * Runs one attempt of a task state. It must take the execution's current token before its first `await`: the
 * executor evaluated this state's Parameters (and so `$$.Task.Token`) in the same synchronous step.
 */
export async function runTaskState(run: TaskRun, name: string, state: AslState, input: unknown): Promise<unknown> {
  const token = run.task.Token;
  run.task.Token = run.tokens.mint(run.executionArn);
  const resource = state.Resource ?? '';
  if (WAIT_FOR_TOKEN.test(resource)) return waitForTaskToken(run, token, name, state, input);
  run.tokens.discard(token);
  if (LAMBDA_INVOKE.test(resource)) return lambdaInvoke(run.functions, name, input);
  if (FUNCTION_ARN.test(resource)) return invokeFunction(run.functions, resource, input);
  if (START_EXECUTION.test(resource)) return startExecution(run, name, input);
  throw new Error(`local mode cannot run task "${name}" with resource ${resource}`);
}

interface InvokeParameters {
  FunctionName: string;
  Payload?: unknown;
  InvocationType?: string;
}

function invokeParameters(name: string, input: unknown): InvokeParameters {
  const params = input as Partial<InvokeParameters> | null;
  if (typeof params?.FunctionName !== 'string')
    throw taskFailure('States.Runtime', `task "${name}" has no FunctionName in its Parameters`, true);
  return params as InvokeParameters;
}

async function invokeFunction(functions: LocalFunctions, nameOrArn: string, payload: unknown): Promise<unknown> {
  if (!functions.find(nameOrArn))
    throw taskFailure('Lambda.ResourceNotFoundException', `Function not found: ${nameOrArn}`);
  try {
    return await functions.invoke(nameOrArn, payload);
  } catch (error) {
    throw asLambdaError(error);
  }
}

async function lambdaInvoke(functions: LocalFunctions, name: string, input: unknown): Promise<unknown> {
  const params = invokeParameters(name, input);
  const payload = params.Payload ?? {};
  const metadata = {
    SdkHttpMetadata: { HttpStatusCode: 200 },
    SdkResponseMetadata: { RequestId: crypto.randomUUID() },
  };
  if (params.InvocationType === 'Event') {
    if (!functions.find(params.FunctionName))
      throw taskFailure('Lambda.ResourceNotFoundException', `Function not found: ${params.FunctionName}`);
    functions.invokeAsync(params.FunctionName, payload);
    return { ExecutedVersion: '$LATEST', Payload: '', StatusCode: 202, ...metadata };
  }
  const result = await invokeFunction(functions, params.FunctionName, payload);
  return { ExecutedVersion: '$LATEST', Payload: result ?? null, StatusCode: 200, ...metadata };
}

async function waitForTaskToken(
  run: TaskRun,
  token: string,
  name: string,
  state: AslState,
  input: unknown,
): Promise<unknown> {
  const params = invokeParameters(name, input);
  if (!JSON.stringify(params.Payload ?? null).includes(token))
    throw taskFailure(
      'States.Runtime',
      `task "${name}" waits for a task token but its Payload lacks $$.Task.Token`,
      true,
    );
  if (typeof state.TimeoutSeconds !== 'number')
    throw taskFailure('States.Runtime', `local mode needs a literal TimeoutSeconds on task "${name}"`, true);
  const heartbeat = typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds : undefined;
  // The wait exists before the function runs: the function may complete its own token before it returns.
  const wait = run.tokens.wait(token, name, heartbeat);
  // TimeoutSeconds belongs to the executor: it races this handler against its own timer, armed right after this
  // handler returns its promise, and fails the task with its States.Timeout (which States.TaskFailed does not catch).
  // Ours, armed a microtask later for the same duration, fires just after it and only spends the token.
  const timeoutMs = state.TimeoutSeconds * 1000;
  queueMicrotask(() => wait.expireAfter(timeoutMs));
  try {
    if (params.InvocationType === 'Event') {
      if (!run.functions.find(params.FunctionName))
        throw taskFailure('Lambda.ResourceNotFoundException', `Function not found: ${params.FunctionName}`);
      run.functions.invokeAsync(params.FunctionName, params.Payload ?? {});
    } else {
      await invokeFunction(run.functions, params.FunctionName, params.Payload ?? {});
    }
  } catch (error) {
    wait.cancel(error as Error);
    throw error;
  }
  wait.park();
  return wait.promise;
}

/** 1–80 characters, none of whitespace, brackets, wildcards, `"#%\\^|~`$&,;:/` or control characters. */
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

interface StartExecutionParameters {
  StateMachineArn: string;
  Name?: string;
  Input?: unknown;
}

/**
 * Fire and forget, as the request-response integration is: the new execution runs on its own. The service reports
 * the API's errors prefixed with the service name (`StepFunctions.ExecutionAlreadyExists`, …), which is what a
 * Retry or Catch names; StartDate is epoch milliseconds, as in the service's task result.
 */
function startExecution(run: TaskRun, name: string, input: unknown): { ExecutionArn: string; StartDate: number } {
  const params = input as Partial<StartExecutionParameters> | null;
  if (typeof params?.StateMachineArn !== 'string')
    throw taskFailure('States.Runtime', `task "${name}" has no StateMachineArn in its Parameters`, true);
  if (params.Name !== undefined && (typeof params.Name !== 'string' || !EXECUTION_NAME.test(params.Name)))
    throw taskFailure('StepFunctions.InvalidName', `Invalid Name: '${String(params.Name)}'`);
  const text =
    params.Input === undefined
      ? undefined
      : typeof params.Input === 'string'
        ? params.Input
        : JSON.stringify(params.Input);
  if (text !== undefined && !isJson(text))
    throw taskFailure('StepFunctions.InvalidExecutionInput', `Invalid State Machine Execution Input: '${text}'`);
  try {
    const started = run.startExecution(params.StateMachineArn, {
      ...(params.Name === undefined ? {} : { name: params.Name }),
      ...(text === undefined ? {} : { input: text }),
    });
    return { ExecutionArn: started.executionArn, StartDate: started.startDate.getTime() };
  } catch (error) {
    const failure = error as Error;
    throw taskFailure(`StepFunctions.${failure.name}`, failure.message);
  }
}
