import { z } from 'zod';
import { isId, isTenantId } from '../domain/ids';

/** Payload of the asynchronous dump and verify jobs (the API's LambdaBackupJobs sends it). */
export const backupJobSchema = z.object({
  tenantId: z.string().refine(isTenantId, 'must be a tenant id'),
  backupId: z.string().refine((value) => isId('backup', value), 'must be a backup id'),
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
export const restoreStateSchema = z.object({
  tenantId: z.string().refine(isTenantId, 'must be a tenant id'),
  restoreId: z.string().refine((value) => isId('restore', value), 'must be a restore id'),
});
