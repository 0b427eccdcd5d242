/**
 * The bounded polls of the state machines (Check → Choice → Wait → Check): the machine passes how many checks were
 * done and the bound; a step counts its check here and says whether the bound is used up.
 */
export interface PollBound {
  /** Checks done before this one. */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly waitSeconds: number;
}

export interface PollOutcome {
  readonly done: boolean;
  readonly attempts: number;
}

/** Counts one check. `exhausted`: not done and no check left; `minutes`: how long the bound lets a loop wait. */
export function countPoll(
  bound: PollBound,
  done: boolean,
): { readonly outcome: PollOutcome; readonly exhausted: boolean; readonly minutes: number } {
  const attempts = bound.attempts + 1;
  return {
    outcome: { done, attempts },
    exhausted: !done && attempts >= bound.maxAttempts,
    minutes: Math.round((bound.maxAttempts * bound.waitSeconds) / 60),
  };
}
