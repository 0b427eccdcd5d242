import type { RetentionPolicy } from './retention/policy';

/**
 * A source is what a tenant backs up: a database (logical dumps) or a cloud resource (native snapshots).
 */
export const DATABASE_ENGINES = ['postgres', 'mysql'] as const;
export type DatabaseEngine = (typeof DATABASE_ENGINES)[number];

export const SNAPSHOT_SOURCE_TYPES = ['ebs-volume', 'ec2-instance', 'rds-instance', 'rds-cluster'] as const;
export type SnapshotSourceType = (typeof SNAPSHOT_SOURCE_TYPES)[number];

export type SourceType = DatabaseEngine | SnapshotSourceType;

/** The request field that names the resource of each snapshot source type (and the view's field). */
export const RESOURCE_FIELDS = {
  'ebs-volume': 'volumeId',
  'ec2-instance': 'instanceId',
  'rds-instance': 'dbInstanceIdentifier',
  'rds-cluster': 'dbClusterIdentifier',
} as const satisfies Record<SnapshotSourceType, string>;

/** A disaster-recovery copy destination: every snapshot backup of the source is copied there. */
export interface CopyRegion {
  readonly region: string;
  /** KMS key (id, alias or ARN) in the destination region; the account's default key for the service if absent. */
  readonly kmsKeyId?: string;
}

export interface SourceSettings {
  readonly copyRegions: readonly CopyRegion[];
  /** Restores of this source's backups wait for an admin's approval (replacing restores always do). */
  readonly restoreApproval: boolean;
  /** Tiered retention (docs/retention.md). Absent: every backup is kept (restic's empty policy). */
  readonly retention?: RetentionPolicy;
}

/** An admin accepted that the next prune runs delete up to `deletions` backups of the source despite the brake. */
export interface BrakeAcknowledgement {
  readonly deletions: number;
  readonly by: string;
  readonly at: string;
}

export const DEFAULT_SOURCE_SETTINGS: SourceSettings = { copyRegions: [], restoreApproval: false };

interface SourceBase {
  readonly tenantId: string;
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  /** Absent on records written before settings existed: read through sourceSettings(). */
  readonly settings?: SourceSettings;
  readonly retentionBrake?: BrakeAcknowledgement;
  /** The tenant's labels for the source (`env: prod`); a policy's tag selector picks sources by them. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** At most this many tags per source; keys and values are short labels. */
export const MAX_SOURCE_TAGS = 20;
export const TAG_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/=+@-]{0,63}$/;

export interface DatabaseSource extends SourceBase {
  readonly type: DatabaseEngine;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  /** Where the password lives (a Secrets Manager ARN). Never the password itself; never returned by the API. */
  readonly secretRef: string;
}

/** An EBS volume, EC2 instance, RDS instance or Aurora/RDS cluster in this account, tagged for the tenant. */
export interface SnapshotSource extends SourceBase {
  readonly type: SnapshotSourceType;
  readonly region: string;
  /** vol-…, i-…, or the DB instance / cluster identifier. */
  readonly resourceId: string;
}

export type Source = DatabaseSource | SnapshotSource;

export function isDatabaseSource(source: Source): source is DatabaseSource {
  return (DATABASE_ENGINES as readonly string[]).includes(source.type);
}

export function isSnapshotSource(source: Source): source is SnapshotSource {
  return !isDatabaseSource(source);
}

export function isSnapshotSourceType(type: string): type is SnapshotSourceType {
  return (SNAPSHOT_SOURCE_TYPES as readonly string[]).includes(type);
}

export function sourceSettings(source: Source): SourceSettings {
  return source.settings ?? DEFAULT_SOURCE_SETTINGS;
}

/** What the API shows of a source: everything but the secret and its location. */
export type SourceView =
  | (Omit<DatabaseSource, 'secretRef' | 'settings'> & { readonly settings: SourceSettings })
  | (Omit<SnapshotSource, 'resourceId' | 'settings'> & {
      readonly settings: SourceSettings;
      readonly [field: string]: unknown;
    });

export function toSourceView(source: Source): SourceView {
  const settings = sourceSettings(source);
  if (isDatabaseSource(source)) {
    const { secretRef: _secretRef, ...view } = source;
    return { ...view, settings };
  }
  const { resourceId, ...view } = source;
  return { ...view, [RESOURCE_FIELDS[source.type]]: resourceId, settings };
}

export const DEFAULT_PORTS: Record<DatabaseEngine, number> = { postgres: 5432, mysql: 3306 };

/** Database names Strongbox creates or restores into: conservative on purpose (they end up in SQL). */
export const DATABASE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;
