import { z } from 'zod';
import { idSchema, tenantIdSchema } from './schemas';

/**
 * Payloads of the snapshot backup machine (infra/constructs/snapshots.ts). One function runs every step; each Task
 * passes `{action, tenantId, backupId, …}`. The state itself is `{tenantId, backupId}` plus each step's result under
 * its own path (`$.start`, `$.poll`, `$.copyPoll`, `$.result`, `$.error`).
 */
export const snapshotMachineInputSchema = z.object({ tenantId: tenantIdSchema, backupId: idSchema('backup') });

const ids = { tenantId: tenantIdSchema, backupId: idSchema('backup') };

const pollFields = {
  /** Polls done so far (0 on the first Check). */
  attempts: z.number().int().min(0),
  /** The bound: after this many polls without completion the backup fails. */
  maxAttempts: z.number().int().min(1),
  /** Seconds the machine waits between polls (for the timeout message). */
  waitSeconds: z.number().int().min(0),
};

/** What a Catch hands over: the error name and Lambda's JSON cause. */
export const caughtErrorSchema = z.object({ Error: z.string().optional(), Cause: z.string().optional() }).partial();

export const snapshotStepSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('start'), ...ids }),
  z.object({ action: z.literal('create'), ...ids }),
  z.object({ action: z.literal('check'), ...ids, ...pollFields }),
  z.object({ action: z.literal('copy'), ...ids }),
  z.object({ action: z.literal('check-copies'), ...ids, ...pollFields }),
  z.object({ action: z.literal('record'), ...ids }),
  z.object({
    action: z.literal('fail'),
    tenantId: z.string().optional(),
    backupId: z.string().optional(),
    error: caughtErrorSchema.optional(),
  }),
]);
export type SnapshotStep = z.infer<typeof snapshotStepSchema>;

/** Result of "Start snapshot backup" (at `$.start`): the Choice "Copy to DR regions?" reads `copyRegions`. */
export interface StartResult {
  readonly sourceType: string;
  readonly region: string;
  readonly copyRegions: number;
}

/** Result of the create/copy and check steps (at `$.poll` / `$.copyPoll`): "Snapshots completed?" reads `done`. */
export interface PollResult {
  readonly done: boolean;
  readonly attempts: number;
}
