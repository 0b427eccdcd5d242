import { ForbiddenError, NotFoundError } from './errors';
import type { SnapshotSourceType } from './source';

/**
 * Native snapshots: what Strongbox records of them, how it tags them, and who owns a cloud resource.
 * Pure: the EC2/RDS adapters translate the services' shapes into these.
 */
export type SnapshotType = 'ebs-snapshot' | 'rds-snapshot' | 'rds-cluster-snapshot';

/** Normalized lifecycle: EBS pending/completed/error and RDS creating/available/failed… map onto it. */
export type SnapshotState = 'pending' | 'completed' | 'error';

export interface SnapshotArtifact {
  readonly type: SnapshotType;
  /** snap-… for EBS; the DB (cluster) snapshot identifier for RDS. */
  readonly id: string;
  readonly arn?: string;
  readonly region: string;
  /** The volume, DB instance or DB cluster the snapshot was taken of. */
  readonly resourceId: string;
  /** For volumes of an instance: the device the volume was attached at (`/dev/xvdf`). */
  readonly device?: string;
  readonly sizeGiB?: number;
  readonly encrypted: boolean;
  readonly kmsKeyId?: string;
  readonly state: SnapshotState;
  /** The provider's own status text (`pending`, `creating`, `error`…), for messages. */
  readonly providerState?: string;
  readonly progress?: string;
  readonly startedAt?: string;
  /** RDS: engine and version of the snapshotted database. */
  readonly engine?: string;
  readonly engineVersion?: string;
  /** RDS: port and availability zone the snapshot records. */
  readonly port?: number;
  readonly availabilityZone?: string;
  /** EBS: `archive` once ModifySnapshotTier moved it (restores then need a RestoreSnapshotTier first). */
  readonly storageTier?: 'standard' | 'archive';
}

/** Tag keys Strongbox puts on what it creates, and the ownership tag tenants put on their resources. */
export const TAGS = {
  tenant: 'strongbox:tenant',
  source: 'strongbox:source',
  backup: 'strongbox:backup',
  restore: 'strongbox:restore',
  trigger: 'strongbox:trigger',
  managedBy: 'strongbox:managed-by',
  /** On DR copies: the snapshot they were copied from. */
  copyOf: 'strongbox:copy-of',
  /** On volumes a restore created: the device they are for. */
  device: 'strongbox:device',
  /** On snapshots of a backup under legal hold (value `true`): retention never deletes them. */
  legalHold: 'strongbox:legal-hold',
} as const;

export const MANAGED_BY = 'strongbox';

export type Tags = Readonly<Record<string, string>>;

/** Tags for a snapshot taken for a backup (idempotency: the backup tag finds it again). */
export function backupTags(input: {
  tenantId: string;
  sourceId: string;
  backupId: string;
  trigger: string;
}): Record<string, string> {
  return {
    [TAGS.tenant]: input.tenantId,
    [TAGS.source]: input.sourceId,
    [TAGS.backup]: input.backupId,
    [TAGS.trigger]: input.trigger,
    [TAGS.managedBy]: MANAGED_BY,
  };
}

/** What a tenant may name that must carry its tenant tag: a snapshot source, a restore's target instance, a KMS key. */
export type OwnedResourceKind = SnapshotSourceType | 'instance-target' | 'kms-key';

const RESOURCE_NAMES: Record<OwnedResourceKind, string> = {
  'ebs-volume': 'EBS volume',
  'ec2-instance': 'EC2 instance',
  'rds-instance': 'RDS DB instance',
  'rds-cluster': 'RDS DB cluster',
  'instance-target': 'EC2 instance',
  'kms-key': 'KMS key',
};

/**
 * A tenant may use only resources tagged `strongbox:tenant=<tenant>`. A resource tagged for another tenant is
 * reported exactly like a missing one (404), so tenants learn nothing about each other; an untagged resource is a
 * 403 that says which tag to add.
 */
export function requireOwnedResource(
  kind: OwnedResourceKind,
  resourceId: string,
  tags: Tags | undefined,
  tenantId: string,
): void {
  const name = RESOURCE_NAMES[kind];
  if (tags === undefined) throw new NotFoundError(name, resourceId);
  const owner = tags[TAGS.tenant];
  if (owner === undefined) {
    throw new ForbiddenError(
      `${name} ${resourceId} is not tagged ${TAGS.tenant}=${tenantId}; a platform admin must tag it before it can be used`,
    );
  }
  if (owner !== tenantId) throw new NotFoundError(name, resourceId);
}

/** RDS snapshot identifiers: 1–255 letters, digits, hyphens; start with a letter; no `--`, no trailing `-`. */
export function rdsSnapshotIdentifier(backupId: string, suffix = ''): string {
  const id = `strongbox-${backupId.toLowerCase().replace(/_/g, '-')}${suffix ? `-${suffix}` : ''}`;
  return id.replace(/-+/g, '-').replace(/-$/, '');
}

/** DB identifiers (instances, clusters): 1–63 letters, digits, hyphens; letter first; no `--`; no trailing `-`. */
export const DB_IDENTIFIER_PATTERN = /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}$/;

export function isDbIdentifier(value: string): boolean {
  return DB_IDENTIFIER_PATTERN.test(value) && !value.endsWith('-');
}

/**
 * Default name of a restored DB instance: the source's identifier, the restore time (UTC, to the minute) and the last
 * 6 characters of the restore id (lower case), so two restores in the same minute do not collide. At most 63 chars.
 */
export function defaultRestoredDbIdentifier(sourceIdentifier: string, now: Date, restoreId: string): string {
  const stamp = now.toISOString().slice(0, 16).replace(/[-:T]/g, '').toLowerCase();
  const suffix = restoreId
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(-6);
  const tail = `restored-${stamp}${suffix ? `-${suffix}` : ''}`;
  const base = sourceIdentifier
    .slice(0, 63 - 1 - tail.length)
    .replace(/--+/g, '-')
    .replace(/-+$/, '');
  return `${base}-${tail}`;
}

/** Linux device names EC2 accepts for attachments (`/dev/sdf`, `/dev/xvdf`, `/dev/xvdba`) */
export const DEVICE_PATTERN = /^\/dev\/(sd[a-z][a-z]?|xvd[a-z][a-z]?)$/;

/** EBS volume types and which performance options each accepts (a wrong combination is a 400, not an API error). */
export const VOLUME_TYPES = ['gp3', 'gp2', 'io1', 'io2', 'st1', 'sc1', 'standard'] as const;
export type VolumeType = (typeof VOLUME_TYPES)[number];
export const IOPS_VOLUME_TYPES: readonly VolumeType[] = ['gp3', 'io1', 'io2'];
export const THROUGHPUT_VOLUME_TYPES: readonly VolumeType[] = ['gp3'];

/** Manual RDS snapshots per region (default quota 100): refused before it is hit, alarmed at 80 %. */
export interface SnapshotQuotaUsage {
  readonly used: number;
  readonly max: number;
}

export const QUOTA_ALARM_RATIO = 0.8;

/** True when taking `needed` more snapshots keeps usage within the quota. */
export function quotaAllows(usage: SnapshotQuotaUsage, needed: number): boolean {
  return usage.used + needed <= usage.max;
}
