/** The error a Step Functions Catch hands over: `Error` is the error name, `Cause` usually Lambda's JSON. */
export interface CaughtError {
  readonly Error?: string | undefined;
  readonly Cause?: string | undefined;
}

/** The message of a caught error: Lambda's `errorMessage` when the cause is its JSON, else the cause text (States.*). */
export function caughtMessage(caught: CaughtError | undefined): string {
  const cause = caught?.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not Lambda's JSON: States.* errors carry plain text.
  }
  return cause;
}
