import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from './client';
import { CliError, EXIT } from './io';
import type { Progress } from './progress';

type Row = Record<string, unknown>;

export interface WaitOptions {
  readonly timeoutSeconds: number;
  readonly intervalMs?: number;
}

/**
 * Polls `path` until `done(record)` says so, showing the status; a timeout is exit 7 (the work goes on server-side).
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
  for (;;) {
    const record = await client.get<Row>(path);
    progress.status(what, String(record.status ?? '…'));
    if (done(record)) {
      progress.done();
      return record;
    }
    if (Date.now() > deadline) {
      progress.done();
      throw new CliError(
        `gave up waiting after ${options.timeoutSeconds}s: ${what} is still ${String(record.status)}`,
        EXIT.timedOut,
      );
    }
    await sleep(options.intervalMs ?? 1000);
  }
}

export const FINAL = new Set(['succeeded', 'failed']);
