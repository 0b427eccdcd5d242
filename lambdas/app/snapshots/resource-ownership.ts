import { ValidationError } from '../../domain/errors';
import { requireOwnedResource } from '../../domain/snapshot';
import type { SnapshotSourceType } from '../../domain/source';
import type { CloudResources } from '../../ports/cloud';

/**
 * Checks that the resource behind a snapshot source exists in its region and carries `strongbox:tenant=<tenant>`:
 * on registration and again before every backup. Missing or another tenant's → NotFoundError (404); untagged →
 * ForbiddenError (403) saying which tag to add.
 */
export async function requireOwnedCloudResource(
  cloud: CloudResources,
  input: { tenantId: string; type: SnapshotSourceType; region: string; resourceId: string },
): Promise<void> {
  const { tenantId, type, region, resourceId } = input;
  const tags = await tagsOf(cloud, type, region, resourceId);
  requireOwnedResource(type, resourceId, tags, tenantId);
}

async function tagsOf(cloud: CloudResources, type: SnapshotSourceType, region: string, id: string) {
  switch (type) {
    case 'ebs-volume':
      return (await cloud.ec2.describeVolume(region, id))?.tags;
    case 'ec2-instance':
      return (await cloud.ec2.describeInstance(region, id))?.tags;
    case 'rds-instance':
      return (await cloud.rds.describeDbInstance(region, id))?.tags;
    case 'rds-cluster':
      return (await cloud.rds.describeDbCluster(region, id))?.tags;
  }
}

/**
 * Checks a KMS key a tenant names (a DR copy region's key, a restored volume's key): it must exist in the region, be
 * enabled and carry `strongbox:tenant=<tenant>`. Missing or another tenant's → NotFoundError (404); untagged →
 * ForbiddenError (403); disabled → ValidationError (400, at `path`). Returns the key's ARN.
 */
export async function requireOwnedKmsKey(
  cloud: CloudResources,
  input: { tenantId: string; region: string; keyId: string; path: string },
): Promise<string> {
  const key = await cloud.kms.describeKey(input.region, input.keyId);
  requireOwnedResource('kms-key', input.keyId, key?.tags, input.tenantId);
  const found = key as NonNullable<typeof key>;
  if (!found.enabled) {
    throw new ValidationError(`KMS key ${input.keyId} in ${input.region} is not enabled`, [
      { path: input.path, message: 'must be an enabled key' },
    ]);
  }
  return found.keyArn;
}
