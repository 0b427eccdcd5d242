/**
 * Lambda handlers for test/integration/local-step-functions-start-execution.test.ts, found through `strongbox:entry`
 * metadata like the service's. Calls are kept on globalThis: the registry may load this module apart from the test's
 * own module graph, but both run in the same process.
 */
export interface StandInCursor {
  readonly runId: string;
  /** Steps left in the whole run. */
  readonly remaining: number;
  /** Steps taken by the current execution. */
  readonly steps: number;
  /** The generation of the execution the cursor is for; the continued one is named `<runId>-g<generation>`. */
  readonly generation: number;
  readonly done?: boolean;
  readonly continueAsNew?: boolean;
}

export interface StandInCall {
  readonly run: StandInCursor;
  readonly startedBy?: string;
}

/** Steps per execution before the stand-in asks to continue as new. */
export const STEPS_PER_EXECUTION = 2;

const seen = globalThis as { localSfnStandInCalls?: StandInCall[] };

export function standInCalls(): StandInCall[] {
  seen.localSfnStandInCalls ??= [];
  return seen.localSfnStandInCalls;
}

/**
 * A stand-in for the prune step (event `{action: 'step', input: <machine state>}`): one unit of work per call, and
 * after STEPS_PER_EXECUTION calls in one execution it asks for a new one with the next generation.
 */
export async function pruneStandIn(event: {
  action: string;
  input: { run: StandInCursor; AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID?: string };
}): Promise<StandInCursor> {
  const { run, AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: startedBy } = event.input;
  standInCalls().push({ run, ...(startedBy === undefined ? {} : { startedBy }) });
  const remaining = run.remaining - 1;
  const steps = (run.continueAsNew === true ? 0 : run.steps) + 1;
  if (remaining === 0) return { runId: run.runId, remaining, steps, generation: run.generation, done: true };
  if (steps >= STEPS_PER_EXECUTION) {
    return { runId: run.runId, remaining, steps, generation: run.generation + 1, continueAsNew: true };
  }
  return { runId: run.runId, remaining, steps, generation: run.generation };
}
