import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { JitterType } from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import { acknowledgeWildcardResources } from './nag';

/**
 * IAM for the EC2/EBS and RDS resources snapshot backups and restores act on. Tenants' resources are recognised by
 * the `strongbox:tenant` tag: actions on existing volumes, instances and databases require it to be present
 * (the handlers also check its value against the tenant), and everything Strongbox creates carries
 * `strongbox:managed-by=strongbox`. Describe/List calls have no resource-level permissions in EC2 and are
 * account-wide in RDS; they read metadata only.
 */
/**
 * How every EC2/RDS-calling state retries throttling (RequestLimitExceeded, per-volume snapshot concurrency, RDS
 * Throttling → SnapshotThrottledError): by name, with backoff and full jitter, never by creating twice.
 */
export const THROTTLE_RETRY = {
  errors: ['SnapshotThrottledError'],
  interval: Duration.seconds(5),
  backoffRate: 2,
  maxAttempts: 6,
  maxDelay: Duration.seconds(60),
  jitterStrategy: JitterType.FULL,
} as const;

const TENANT_TAG = 'strongbox:tenant';
const MANAGED_BY_TAG = 'strongbox:managed-by';

function arn(scope: IConstruct, service: 'ec2' | 'rds', resource: string): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:${service}:*:${stack.account}:${resource}`;
}

function kmsKeys(scope: IConstruct): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:kms:*:${stack.account}:key/*`;
}

function allow(
  grantee: IGrantable & IConstruct,
  actions: string[],
  resources: string[],
  conditions?: Record<string, Record<string, unknown>>,
) {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions, resources, ...(conditions ? { conditions } : {}) }),
  );
  // cdk-nag reports each wildcard ARN on its own (IAM5[Resource::…]); `*` itself is acknowledged where granted.
  const patterns = resources.filter((resource) => resource !== '*');
  if (patterns.length > 0) acknowledgeWildcardResources(grantee, patterns, CLOUD_WILDCARD_REASON);
}

const CLOUD_WILDCARD_REASON =
  'Snapshot and restore targets are chosen by tenants at run time, in any region: EC2/RDS actions are scoped by ' +
  `resource type and by the ${TENANT_TAG} / ${MANAGED_BY_TAG} tags instead of by name (the handlers check the tag ` +
  'value against the tenant before every action).';

const tagged = { 'aws:ResourceTag/strongbox:tenant': '?*' };

/** Read metadata (and tags) of volumes, instances, snapshots and databases: ownership and state checks. */
export function grantCloudRead(grantee: IGrantable & IConstruct): void {
  allow(
    grantee,
    [
      'ec2:DescribeVolumes',
      'ec2:DescribeInstances',
      'ec2:DescribeSnapshots',
      'ec2:DescribeAvailabilityZones',
      'rds:DescribeDBInstances',
      'rds:DescribeDBClusters',
      'rds:DescribeDBSnapshots',
      'rds:DescribeDBClusterSnapshots',
      'rds:DescribeAccountAttributes',
      'rds:ListTagsForResource',
    ],
    ['*'],
  );
  // Checking a KMS key a tenant names (DR copies, restored volumes): exists, enabled, tagged for the tenant.
  allow(grantee, ['kms:DescribeKey', 'kms:ListResourceTags'], [kmsKeys(grantee)]);
  Validations.of(grantee).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'EC2 Describe* actions support no resource-level permissions, and the RDS Describe*/ListTagsForResource calls ' +
      'read metadata of resources in any region the tenant registered; no data is readable through them.',
  });
}

/** Take (and copy) snapshots of tagged volumes, instances and databases; tag what is created. */
export function grantSnapshotCreate(grantee: IGrantable & IConstruct): void {
  grantCloudRead(grantee);
  const scope = grantee;
  // CreateSnapshot (one volume): the volume is the source and must carry the tenant tag. CreateSnapshots (an
  // instance's set) is evaluated against the instance and every attached volume: the instance must carry the tag,
  // its volumes need not (the handlers check the instance's tag; its volumes are snapshotted as part of it).
  allow(grantee, ['ec2:CreateSnapshot'], [arn(scope, 'ec2', 'volume/*')], { StringLike: tagged });
  allow(grantee, ['ec2:CreateSnapshots'], [arn(scope, 'ec2', 'instance/*')], { StringLike: tagged });
  allow(grantee, ['ec2:CreateSnapshots'], [arn(scope, 'ec2', 'volume/*')]);
  allow(
    grantee,
    ['ec2:CreateSnapshot', 'ec2:CreateSnapshots', 'ec2:CopySnapshot'],
    [`arn:${Stack.of(scope).partition}:ec2:*::snapshot/*`],
    {
      StringEquals: { [`aws:RequestTag/${MANAGED_BY_TAG}`]: 'strongbox' },
    },
  );
  allow(grantee, ['ec2:CopySnapshot'], [`arn:${Stack.of(scope).partition}:ec2:*::snapshot/*`], {
    StringEquals: { [`aws:ResourceTag/${MANAGED_BY_TAG}`]: 'strongbox' },
  });
  allow(grantee, ['ec2:CreateTags'], [`arn:${Stack.of(scope).partition}:ec2:*::snapshot/*`], {
    StringEquals: { 'ec2:CreateAction': ['CreateSnapshot', 'CreateSnapshots', 'CopySnapshot'] },
  });
  allow(
    grantee,
    ['rds:CreateDBSnapshot', 'rds:CreateDBClusterSnapshot'],
    [arn(scope, 'rds', 'db:*'), arn(scope, 'rds', 'cluster:*')],
    {
      StringLike: { 'aws:ResourceTag/strongbox:tenant': '?*' },
    },
  );
  allow(
    grantee,
    [
      'rds:CreateDBSnapshot',
      'rds:CreateDBClusterSnapshot',
      'rds:CopyDBSnapshot',
      'rds:CopyDBClusterSnapshot',
      'rds:AddTagsToResource',
    ],
    [arn(scope, 'rds', 'snapshot:strongbox-*'), arn(scope, 'rds', 'cluster-snapshot:strongbox-*')],
  );
  // Encrypting DR copies with a key in the destination region (granted through the key's policy or a grant).
  allow(
    grantee,
    [
      'kms:CreateGrant',
      'kms:DescribeKey',
      'kms:Decrypt',
      'kms:GenerateDataKeyWithoutPlaintext',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
    ],
    ['*'],
    {
      // Only tenants' keys (tagged strongbox:tenant; the handlers check the value), and only through EC2/RDS.
      StringLike: { 'kms:ViaService': ['ec2.*.amazonaws.com', 'rds.*.amazonaws.com'], ...tagged },
    },
  );
}

/** Create volumes from snapshots and attach/detach them on tagged instances; restore DB instances and clusters. */
export function grantRestoreResources(grantee: IGrantable & IConstruct): void {
  grantSnapshotCreate(grantee); // a replacing restore snapshots the volume it replaces first
  const scope = grantee;
  const partition = Stack.of(scope).partition;
  allow(grantee, ['ec2:CreateVolume'], [arn(scope, 'ec2', 'volume/*')], {
    StringEquals: { [`aws:RequestTag/${MANAGED_BY_TAG}`]: 'strongbox' },
  });
  allow(grantee, ['ec2:CreateVolume'], [`arn:${partition}:ec2:*::snapshot/*`]);
  allow(grantee, ['ec2:CreateTags'], [arn(scope, 'ec2', 'volume/*')], {
    StringEquals: { 'ec2:CreateAction': 'CreateVolume' },
  });
  allow(grantee, ['ec2:AttachVolume', 'ec2:DetachVolume'], [arn(scope, 'ec2', 'instance/*')], { StringLike: tagged });
  allow(grantee, ['ec2:AttachVolume'], [arn(scope, 'ec2', 'volume/*')], {
    StringEquals: { [`aws:ResourceTag/${MANAGED_BY_TAG}`]: 'strongbox' },
  });
  // DetachVolume is evaluated against the instance (tag required above) and the volume: a replaced volume is the
  // tenant's own, recognised through its instance, and need not carry the tag itself.
  allow(grantee, ['ec2:DetachVolume'], [arn(scope, 'ec2', 'volume/*')]);
  allow(
    grantee,
    [
      'rds:RestoreDBInstanceFromDBSnapshot',
      'rds:RestoreDBInstanceToPointInTime',
      'rds:RestoreDBClusterFromSnapshot',
      'rds:CreateDBInstance',
      'rds:AddTagsToResource',
    ],
    [
      arn(scope, 'rds', 'db:*'),
      arn(scope, 'rds', 'cluster:*'),
      arn(scope, 'rds', 'snapshot:*'),
      arn(scope, 'rds', 'cluster-snapshot:*'),
      arn(scope, 'rds', 'subgrp:*'),
      arn(scope, 'rds', 'og:*'),
      arn(scope, 'rds', 'pg:*'),
      arn(scope, 'rds', 'cluster-pg:*'),
      arn(scope, 'rds', 'secgrp:*'),
    ],
  );
}

const LEGAL_HOLD_TAG = 'strongbox:legal-hold';
const managedByStrongbox = { [`aws:ResourceTag/${MANAGED_BY_TAG}`]: 'strongbox' };

/** Snapshot lookups without resource-level permissions (EC2) or across every region a tenant uses (RDS). */
function grantSnapshotDescribe(grantee: IGrantable & IConstruct, reason: string): void {
  allow(grantee, ['ec2:DescribeSnapshots', 'rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots'], ['*']);
  Validations.of(grantee).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason });
}

/**
 * The pruner: delete (and archive) snapshots — only those Strongbox made. EC2 snapshots must carry
 * `strongbox:managed-by=strongbox`; RDS snapshots must too, and their identifiers start with `strongbox-` (every one
 * Strongbox creates or copies does). No tag can be changed here, so the condition cannot be satisfied by retagging.
 */
export function grantSnapshotDelete(grantee: IGrantable & IConstruct): void {
  const partition = Stack.of(grantee).partition;
  grantSnapshotDescribe(
    grantee,
    'ec2:DescribeSnapshots supports no resource-level permissions, and the RDS snapshot Describe calls read ' +
      'metadata in every region a tenant backs up to; the pruner reads snapshot state, never data, through them.',
  );
  allow(grantee, ['ec2:DeleteSnapshot', 'ec2:ModifySnapshotTier'], [`arn:${partition}:ec2:*::snapshot/*`], {
    StringEquals: managedByStrongbox,
  });
  allow(
    grantee,
    ['rds:DeleteDBSnapshot', 'rds:DeleteDBClusterSnapshot'],
    [arn(grantee, 'rds', 'snapshot:strongbox-*'), arn(grantee, 'rds', 'cluster-snapshot:strongbox-*')],
    { StringEquals: managedByStrongbox },
  );
}

/**
 * Legal holds on snapshot backups: add or remove the `strongbox:legal-hold` tag, and nothing else, on snapshots
 * Strongbox made. `aws:TagKeys` must be present (a DeleteTags without keys would remove every tag, the ownership
 * tags included) and may name only that key.
 */
export function grantSnapshotLegalHoldTags(grantee: IGrantable & IConstruct): void {
  const partition = Stack.of(grantee).partition;
  grantSnapshotDescribe(
    grantee,
    'ec2:DescribeSnapshots supports no resource-level permissions, and the RDS snapshot Describe calls find a ' +
      "backup's snapshots in every region it was copied to; they read metadata only.",
  );
  const onlyTheHoldTag = {
    'ForAllValues:StringEquals': { 'aws:TagKeys': [LEGAL_HOLD_TAG] },
    Null: { 'aws:TagKeys': 'false' },
    StringEquals: managedByStrongbox,
  };
  allow(grantee, ['ec2:CreateTags', 'ec2:DeleteTags'], [`arn:${partition}:ec2:*::snapshot/*`], onlyTheHoldTag);
  allow(
    grantee,
    ['rds:AddTagsToResource', 'rds:RemoveTagsFromResource'],
    [arn(grantee, 'rds', 'snapshot:strongbox-*'), arn(grantee, 'rds', 'cluster-snapshot:strongbox-*')],
    onlyTheHoldTag,
  );
}
