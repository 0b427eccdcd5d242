import { z } from 'zod';
import { createRestoreSchema, idSchema, tenantIdSchema } from './schemas';

/** Payload of the asynchronous dump and verify jobs (the API's LambdaBackupJobs sends it). */
export const backupJobSchema = z.object({
  tenantId: tenantIdSchema,
  backupId: idSchema('backup'),
});

/** What Lambda's on-failure destination delivers for a failed asynchronous invocation. */
export const asyncFailureSchema = z.object({
  requestPayload: backupJobSchema,
  requestContext: z.object({ condition: z.string().optional() }).partial().optional(),
  responsePayload: z
    .object({ errorType: z.string().optional(), errorMessage: z.string().optional() })
    .partial()
    .nullish(),
});

/** State the restore machine hands to its tasks after "Prepare restore". */
export const restoreStateSchema = z.object({ tenantId: tenantIdSchema, restoreId: idSchema('restore') });

/** Input of the restore state machine: from the API (a restore it recorded) or an operator (a request). */
export const restoreMachineInputSchema = z.union([
  restoreStateSchema,
  createRestoreSchema.extend({ tenantId: tenantIdSchema, requestedBy: z.string().min(1).max(200).optional() }),
]);

const restoreIds = { tenantId: tenantIdSchema, restoreId: idSchema('restore') };
const restorePoll = {
  /** Checks done so far (0 on the first). */
  attempts: z.number().int().min(0),
  /** The bound: after this many checks without success the restore fails. */
  maxAttempts: z.number().int().min(1),
  /** Seconds the machine waits between checks (for the timeout message). */
  waitSeconds: z.number().int().min(0),
};

/** Steps that start something (the machine then polls with the matching check). */
export const RESTORE_SNAPSHOT_ACTIONS = [
  'snapshot-replaced',
  'detach-replaced',
  'create-volumes',
  'attach-volumes',
  'restore-db',
  'complete',
] as const;
/** Bounded checks. */
export const RESTORE_SNAPSHOT_CHECKS = [
  'check-replaced',
  'check-detached',
  'check-volumes',
  'check-attached',
  'check-db',
] as const;

/**
 * Payload of the restore machine's volume and DB steps (one function, lambdas/handlers/workflows/restore-snapshot.ts):
 * `{action, tenantId, restoreId}` plus the poll fields for checks.
 */
export const restoreSnapshotStepSchema = z.discriminatedUnion('action', [
  z.object({ action: z.enum(RESTORE_SNAPSHOT_ACTIONS), ...restoreIds }),
  z.object({ action: z.enum(RESTORE_SNAPSHOT_CHECKS), ...restoreIds, ...restorePoll }),
]);
export type RestoreSnapshotStep = z.infer<typeof restoreSnapshotStepSchema>;
