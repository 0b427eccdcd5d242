import { z } from 'zod';
import { DEVICE_PATTERN, isDbIdentifier, VOLUME_TYPES } from '../domain/snapshot';
import { DATABASE_ENGINES, DATABASE_NAME_PATTERN, MAX_SOURCE_TAGS, TAG_KEY_PATTERN } from '../domain/source';
import { idSchema } from './id-schemas';
import { retentionPolicySchema } from './retention-schemas';

/**
 * Request schemas of the tenant API. Objects are strict: an unknown field (`tenantId`, `status`, `bucket`…) is a 400
 * naming it, never silently applied. Ids are checked for shape so a malformed id is a 400, a well-formed unknown one a 404.
 */
export { idSchema, tenantIdSchema } from './id-schemas';

const name = z.string().trim().min(1).max(100);
const sourceId = idSchema('source');
const backupId = idSchema('backup');

/** A source's tags (`{"env": "prod"}`): a policy's tag selector picks sources by them. */
export const tagsSchema = z
  .record(
    z.string().regex(TAG_KEY_PATTERN, 'must be 1–64 letters, digits or _.:/=+@- starting with a letter or digit'),
    z.string().max(256),
  )
  .refine((tags) => Object.keys(tags).length <= MAX_SOURCE_TAGS, `at most ${MAX_SOURCE_TAGS} tags`);

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

/** An AWS region name (`us-east-1`, `eu-west-1`, `ap-southeast-2`, `us-gov-west-1`…). */
export const regionSchema = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region such as us-east-1');

const copyRegionSchema = z.strictObject({
  region: regionSchema,
  /** KMS key id, alias or ARN in the destination region. */
  kmsKeyId: z
    .string()
    .min(1)
    .max(2048)
    .regex(/^[A-Za-z0-9:/_.+=,@-]+$/, 'must be a KMS key id, alias or ARN')
    .optional(),
});

const copyRegionsSchema = z
  .array(copyRegionSchema)
  .max(5)
  .refine((regions) => new Set(regions.map((r) => r.region)).size === regions.length, 'regions must be distinct');

/** Per-source settings: DR copy regions (distinct, at most 5), whether restores need an approval, retention. */
const sourceSettingsSchema = z
  .strictObject({
    copyRegions: copyRegionsSchema.default([]),
    restoreApproval: z.boolean().default(false),
    retention: retentionPolicySchema.optional(),
  })
  .optional();

/**
 * PATCH /v1/sources/{id}: rename, or change settings; a settings field left out stays as it is, `retention: null`
 * removes the policy (everything is kept again). Connection details and the resource are not changeable: register a
 * new source for another database or resource.
 */
export const updateSourceSchema = z
  .strictObject({
    name: name.optional(),
    tags: tagsSchema.optional(),
    settings: z
      .strictObject({
        copyRegions: copyRegionsSchema.optional(),
        restoreApproval: z.boolean().optional(),
        retention: retentionPolicySchema.nullable().optional(),
      })
      .optional(),
  })
  .refine(
    (body) => body.name !== undefined || body.tags !== undefined || body.settings !== undefined,
    'give name, tags and/or settings',
  );
export type UpdateSourceInput = z.infer<typeof updateSourceSchema>;

const dbIdentifier = z.string().refine(isDbIdentifier, 'must be an RDS identifier (letters, digits, hyphens; 1–63)');

const databaseSourceSchema = z.strictObject({
  name,
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
  tags: tagsSchema.optional(),
  settings: sourceSettingsSchema,
});
const snapshotSourceSchemas = [
  z.strictObject({
    name,
    type: z.literal('ebs-volume'),
    volumeId: z.string().regex(/^vol-[0-9a-f]{8,17}$/, 'must be an EBS volume id (vol-…)'),
    region: regionSchema.optional(),
    tags: tagsSchema.optional(),
    settings: sourceSettingsSchema,
  }),
  z.strictObject({
    name,
    type: z.literal('ec2-instance'),
    instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/, 'must be an EC2 instance id (i-…)'),
    region: regionSchema.optional(),
    tags: tagsSchema.optional(),
    settings: sourceSettingsSchema,
  }),
  z.strictObject({
    name,
    type: z.literal('rds-instance'),
    dbInstanceIdentifier: dbIdentifier,
    region: regionSchema.optional(),
    tags: tagsSchema.optional(),
    settings: sourceSettingsSchema,
  }),
  z.strictObject({
    name,
    type: z.literal('rds-cluster'),
    dbClusterIdentifier: dbIdentifier,
    region: regionSchema.optional(),
    tags: tagsSchema.optional(),
    settings: sourceSettingsSchema,
  }),
] as const;

/** POST /v1/sources: a database (dumps) or a cloud resource (snapshots), by `type`. */
export const createSourceSchema = z.discriminatedUnion('type', [databaseSourceSchema, ...snapshotSourceSchemas]);

/**
 * The schema a body is checked against: its snapshot type's, else the database one, so that a body with an unknown
 * `type` still gets every other bad field named (a discriminated union would name only `type`).
 */
export function createSourceSchemaFor(body: unknown): typeof createSourceSchema {
  const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
  const snapshot = snapshotSourceSchemas.find((schema) => schema.shape.type.value === type);
  return (snapshot ?? databaseSourceSchema) as unknown as typeof createSourceSchema;
}

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

const kmsKeyId = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[A-Za-z0-9:/_.+=,@-]+$/, 'must be a KMS key id, alias or ARN');
const pointInTimeSchema = z.union([
  z.strictObject({ restoreTime: z.iso.datetime({ offset: true }) }),
  z.strictObject({ useLatestRestorableTime: z.literal(true) }),
]);

/**
 * The restore target. One strict object for every kind of backup; which fields fit is decided against the backup
 * (lambdas/app/restores/validate-restore.ts), so a misfit is a 400 naming the field (`target.device` for a dump…):
 * - dump backups: `database` (+ `sourceId`, `replaceExisting`);
 * - EBS volume / EC2 instance snapshot backups: `instanceId` (+ `device` for volume backups, `region`, `volumeType`,
 *   `iops`, `throughput`, `kmsKeyId`, `sizeGiB`, `replace`);
 * - RDS instance / cluster snapshot backups: `dbInstanceIdentifier`, `dbClusterIdentifier` (clusters),
 *   `dbInstanceClass`, `pointInTime` (instances).
 */
export const restoreTargetSchema = z.strictObject({
  database: databaseName.optional(),
  sourceId: sourceId.optional(),
  replaceExisting: z.boolean().optional(),
  instanceId: z
    .string()
    .regex(/^i-[0-9a-f]{8,17}$/, 'must be an EC2 instance id (i-…)')
    .optional(),
  region: regionSchema.optional(),
  device: z.string().regex(DEVICE_PATTERN, 'must be a device name such as /dev/sdf or /dev/xvdf').optional(),
  volumeType: z.enum(VOLUME_TYPES).optional(),
  iops: z.number().int().min(100).max(256_000).optional(),
  throughput: z.number().int().min(125).max(2_000).optional(),
  kmsKeyId: kmsKeyId.optional(),
  sizeGiB: z.number().int().min(1).max(65_536).optional(),
  replace: z.boolean().optional(),
  dbInstanceIdentifier: dbIdentifier.optional(),
  dbClusterIdentifier: dbIdentifier.optional(),
  dbInstanceClass: z
    .string()
    .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be a DB instance class such as db.t3.micro')
    .optional(),
  pointInTime: pointInTimeSchema.optional(),
});

export const createRestoreSchema = z.strictObject({
  backupId,
  target: restoreTargetSchema,
  tables: z.array(objectName).max(1000).default([]),
  schemas: z.array(objectName).max(100).default([]),
});
export type CreateRestoreInput = z.infer<typeof createRestoreSchema>;

/** POST /v1/restores/{id}/approve and /reject: an optional note for the audit trail; nothing else. */
export const decideRestoreSchema = z.strictObject({ comment: z.string().trim().min(1).max(500).optional() });
