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
