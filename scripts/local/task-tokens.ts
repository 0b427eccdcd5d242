import { randomBytes } from 'node:crypto';

/**
 * Task tokens of local mode's Step Functions (`.waitForTaskToken` tasks, SendTaskSuccess/Failure/Heartbeat).
 *
 * Design: each execution has one *current* token, minted ahead of time and exposed to the executor as
 * `$$.Task.Token` through a mutable `Task` object in the run context (aws-local-stepfunctions spreads the context
 * shallowly, so it keeps our object by reference and reads `Token` when it evaluates a state's Parameters). Every task
 * handler takes the current token and mints the next one in the same synchronous step in which the executor evaluated
 * the Parameters, so each task attempt (retries included, and tasks of concurrent Parallel branches) sees a token of
 * its own, and a token maps back to exactly one (execution, state, attempt). Tokens are 48 random bytes, base64url.
 *
 * Error semantics follow the service: a token we never minted → InvalidToken; a token whose waiting task has finished
 * (or whose execution ended) → TaskTimedOut; a token minted but not (yet) held by a waiting task → TaskDoesNotExist.
 * A token a task without `.waitForTaskToken` took is forgotten (→ InvalidToken).
 */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidToken';
}

export class TaskDoesNotExistError extends Error {
  override readonly name = 'TaskDoesNotExist';
}

export class TaskTimedOutError extends Error {
  override readonly name = 'TaskTimedOut';
}

export class InvalidOutputError extends Error {
  override readonly name = 'InvalidOutput';
}

/**
 * An error as the executor sees a task failure: Catch/Retry match `name` (the States language Error), and a catcher's
 * `Cause` is `message`. `final` errors end an execution that is being stopped: neither retried nor caught.
 */
export function taskFailure(name: string, cause: string, final = false): Error {
  const error = new Error(cause);
  error.name = name;
  return final ? Object.assign(error, { isRetryable: false, isCatchable: false }) : error;
}

export interface WaitingTask {
  readonly executionArn: string;
  readonly stateName: string;
  readonly taskToken: string;
  /** When the task's function returned and the task started waiting for its token. */
  readonly since: Date;
}

interface Waiter {
  readonly executionArn: string;
  readonly stateName: string;
  readonly taskToken: string;
  readonly heartbeatMs: number | undefined;
  since?: Date;
  heartbeat?: NodeJS.Timeout;
  deadline?: NodeJS.Timeout;
  resolve(output: unknown): void;
  reject(error: Error): void;
}

/** What a task handler holds while it waits for its token. */
export interface TokenWait {
  readonly promise: Promise<unknown>;
  /** The task's function has returned: from now on only a token call (or a timeout) moves the task on. */
  park(): void;
  /** Ends the wait from the executor's side (timeout, stop, execution over). */
  cancel(error: Error): void;
  /** Cleans up once the executor has given up on the task by itself (its own TimeoutSeconds timer). */
  expireAfter(ms: number): void;
}

export class TaskTokens {
  /** Minted, not yet taken by a task: token → execution. */
  private readonly issued = new Map<string, string>();
  private readonly waiters = new Map<string, Waiter>();
  /** Tokens whose task finished; kept so that a late call gets TaskTimedOut rather than InvalidToken. */
  private readonly spent = new Set<string>();

  /** `onChange` runs whenever a task starts or stops waiting (LocalStateMachines recomputes `busy`). */
  constructor(private readonly onChange: () => void) {}

  mint(executionArn: string): string {
    const token = randomBytes(48).toString('base64url');
    this.issued.set(token, executionArn);
    return token;
  }

  /**
   * A task that does not wait took the token, or the execution ended before a task took it: nobody can complete it.
   * Only tokens of waiting tasks are remembered as spent (so `spent` grows with approvals, not with every task).
   */
  discard(token: string): void {
    this.issued.delete(token);
  }

  /** A `.waitForTaskToken` task took the token. The wait starts now, so the function may complete it at once. */
  wait(taskToken: string, stateName: string, heartbeatSeconds: number | undefined): TokenWait {
    const executionArn = this.issued.get(taskToken);
    if (executionArn === undefined) throw new Error(`task token of ${stateName} was not minted for a running task`);
    this.issued.delete(taskToken);
    let settle: Pick<Waiter, 'resolve' | 'reject'> | undefined;
    const promise = new Promise<unknown>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // Rejections can arrive before the handler awaits the promise (or after the executor stopped listening).
    promise.catch(() => undefined);
    const heartbeatMs = heartbeatSeconds === undefined ? undefined : timerMs(heartbeatSeconds);
    const waiter: Waiter = {
      executionArn,
      stateName,
      taskToken,
      heartbeatMs,
      resolve: (output) => {
        if (this.finish(waiter)) settle?.resolve(output);
      },
      reject: (error) => {
        if (this.finish(waiter)) settle?.reject(error);
      },
    };
    this.waiters.set(taskToken, waiter);
    this.armHeartbeat(waiter);
    return {
      promise,
      park: () => {
        if (!this.waiters.has(taskToken)) return;
        waiter.since = new Date();
        this.onChange();
      },
      cancel: (error) => waiter.reject(error),
      expireAfter: (ms) => {
        if (!this.waiters.has(taskToken)) return;
        waiter.deadline = setTimeout(
          () => waiter.reject(taskFailure('States.Timeout', 'Task timed out')),
          Math.min(ms, MAX_TIMER_MS),
        ).unref();
      },
    };
  }

  succeed(taskToken: string, output: string): void {
    const waiter = this.waiter(taskToken);
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new InvalidOutputError('Invalid State Machine Output: output is not valid JSON');
    }
    waiter.resolve(parsed);
  }

  fail(taskToken: string, error: string, cause: string): void {
    this.waiter(taskToken).reject(taskFailure(error, cause));
  }

  heartbeat(taskToken: string): void {
    this.armHeartbeat(this.waiter(taskToken));
  }

  /** Tasks that have handed their token out and wait for it (of one execution, or of all). */
  waiting(executionArn?: string): WaitingTask[] {
    return [...this.waiters.values()]
      .filter((waiter) => waiter.since && (executionArn === undefined || waiter.executionArn === executionArn))
      .map(({ executionArn: arn, stateName, taskToken, since }) => ({
        executionArn: arn,
        stateName,
        taskToken,
        since: since as Date,
      }));
  }

  /** The execution is over (or stopped): its waits end with `error`, its tokens are spent. */
  release(executionArn: string, error: Error): void {
    for (const [token, arn] of this.issued) if (arn === executionArn) this.discard(token);
    for (const waiter of [...this.waiters.values()]) if (waiter.executionArn === executionArn) waiter.reject(error);
  }

  private waiter(taskToken: string): Waiter {
    const waiter = this.waiters.get(taskToken);
    if (waiter) return waiter;
    if (this.spent.has(taskToken)) throw new TaskTimedOutError('Task Timed Out: the task of this token has finished');
    if (this.issued.has(taskToken))
      throw new TaskDoesNotExistError('Task Does Not Exist: no task waits for this token');
    throw new InvalidTokenError('Invalid Token: the task token is not valid');
  }

  /** (Re)starts the HeartbeatSeconds clock; a waiter without HeartbeatSeconds has none. */
  private armHeartbeat(waiter: Waiter): void {
    if (waiter.heartbeatMs === undefined) return;
    clearTimeout(waiter.heartbeat);
    waiter.heartbeat = setTimeout(
      () => waiter.reject(taskFailure('States.HeartbeatTimeout', 'Task heartbeat timed out')),
      waiter.heartbeatMs,
    ).unref();
  }

  /** True the first time: the token is spent and its timers stop. */
  private finish(waiter: Waiter): boolean {
    if (this.waiters.get(waiter.taskToken) !== waiter) return false;
    this.waiters.delete(waiter.taskToken);
    this.spent.add(waiter.taskToken);
    clearTimeout(waiter.heartbeat);
    clearTimeout(waiter.deadline);
    this.onChange();
    return true;
  }
}

/** Node's timers overflow above 2^31 - 1 ms (and then fire after 1 ms): longer waits are capped at ~24.8 days. */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
const MAX_TIMER_MS = MAX_TIMER_SECONDS * 1000;

function timerMs(seconds: number): number {
  return Math.min(seconds, MAX_TIMER_SECONDS) * 1000;
}
