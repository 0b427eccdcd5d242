import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from './client';
import { CliError, EXIT } from './io';
import type { Progress } from './progress';

type Row = Record<string, unknown>;

export interface WaitOptions {
  readonly timeoutSeconds: number;
  readonly intervalMs?: number;
  /** What the progress line shows of a record; default its `status`. */
  readonly label?: (record: Row) => string;
  /** Consecutive transient failures (unreachable, 5xx, 429) tolerated while polling before giving up; default 5. */
  readonly transientRetries?: number;
}

/** A poll that may succeed next time: the API unreachable or 5xx (exit 8), or throttled (429). */
function transient(error: unknown): boolean {
  return error instanceof CliError && (error.exitCode === EXIT.unavailable || error.status === 429);
}

/**
 * Polls `path` until `done(record)` says so, showing the status; a timeout is exit 7 (the work goes on server-side).
 * A blip (a 5xx, a refused connection, a 429) is retried on the next tick, up to `transientRetries` times in a row.
 */
export async function waitFor(
  client: ApiClient,
  path: string,
  what: string,
  progress: Progress,
  done: (record: Row) => boolean,
  options: WaitOptions,
): Promise<Row> {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let failures = 0;
  let status = '…';
  for (;;) {
    let record: Row | undefined;
    try {
      record = await client.get<Row>(path);
      failures = 0;
    } catch (error) {
      failures += 1;
      if (!transient(error) || failures > (options.transientRetries ?? 5)) {
        progress.done();
        throw error;
      }
    }
    if (record) {
      status = options.label ? options.label(record) : String(record.status ?? '…');
      progress.status(what, status);
      if (done(record)) {
        progress.done();
        return record;
      }
    }
    if (Date.now() > deadline) {
      progress.done();
      throw new CliError(`gave up waiting after ${options.timeoutSeconds}s: ${what} is still ${status}`, EXIT.timedOut);
    }
    await sleep(options.intervalMs ?? 1000);
  }
}

export const FINAL = new Set(['succeeded', 'failed']);
