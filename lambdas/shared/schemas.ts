import { z } from 'zod';
import { ID_PREFIXES, type IdKind, isId, isTenantId } from '../domain/ids';
import { DATABASE_ENGINES, DATABASE_NAME_PATTERN } from '../domain/source';

/**
 * Request schemas of the tenant API. Objects are strict: an unknown field (`tenantId`, `status`, `bucket`…) is a 400
 * naming it, never silently applied. Ids are checked for shape so a malformed id is a 400, a well-formed unknown one a 404.
 */
export const tenantIdSchema = z.string().refine(isTenantId, 'must be a tenant id');
export function idSchema(kind: IdKind) {
  return z.string().refine((value) => isId(kind, value), `must be a ${kind} id (${ID_PREFIXES[kind]}_…)`);
}
const sourceId = idSchema('source');
const backupId = idSchema('backup');

/** A host name or IP literal: no scheme, path, credentials or whitespace. */
const hostName = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(
    /^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:]*:[0-9a-fA-F:.]+|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$/,
    'must be a host name or IP address',
  );

export const createSourceSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  type: z.enum(DATABASE_ENGINES),
  host: hostName,
  port: z.number().int().min(1).max(65535).optional(),
  database: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[^\0/\\'"`]+$/, 'must not contain quotes, slashes or NUL'),
  username: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[^\0\s'"`]+$/, 'must not contain quotes, whitespace or NUL'),
  password: z.string().min(1).max(1024),
});
export type CreateSourceInput = z.infer<typeof createSourceSchema>;

const limit = z.coerce.number().int().min(1).max(100).default(20);
const cursor = z.string().min(1).max(2048).optional();

export const pageQuerySchema = z.strictObject({ limit, cursor });

export const listBackupsQuerySchema = z.strictObject({ sourceId: sourceId.optional(), limit, cursor });

export const createBackupSchema = z.strictObject({ sourceId });

const databaseName = z.string().regex(DATABASE_NAME_PATTERN, 'must match ^[A-Za-z_][A-Za-z0-9_$-]{0,62}$');
const objectName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\0\n\r]+$/, 'must not contain NUL or line breaks');

export const createRestoreSchema = z.strictObject({
  backupId,
  target: z.strictObject({
    database: databaseName,
    sourceId: sourceId.optional(),
    replaceExisting: z.boolean().default(false),
  }),
  tables: z.array(objectName).max(1000).default([]),
  schemas: z.array(objectName).max(100).default([]),
});
export type CreateRestoreInput = z.infer<typeof createRestoreSchema>;
