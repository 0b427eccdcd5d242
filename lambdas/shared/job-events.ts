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
