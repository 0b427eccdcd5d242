import { taskHandler } from '../../shared/middleware';

/**
 * The prune machine's step (infra/constructs/retention.ts). Event: `{action: 'step', input: <the machine's state>}`
 * where the state is `{run?: PruneCursor}`; returns the next PruneCursor (the machine stores it at `$.run`).
 * WORK IN PROGRESS: filled in by the retention use cases.
 */
export const handler = taskHandler(async (event: unknown) => {
  const input = (event as { input?: { run?: Record<string, unknown> } }).input ?? {};
  return { ...(input.run ?? {}), done: true };
});
