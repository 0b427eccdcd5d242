import type { CloudResources, Ec2Resources, KmsResources, RdsResources } from '../../ports/cloud';
import type { AwsClients } from './clients';
import { AwsEc2Resources } from './ec2-resources';
import { AwsKmsResources } from './kms-resources';
import { AwsRdsResources } from './rds-resources';

export interface AwsCloudResourcesOptions {
  /**
   * Manual RDS snapshots allowed per region (STRONGBOX_RDS_MANUAL_SNAPSHOT_QUOTA, AWS default 100). Used only where
   * RDS cannot report the account quota itself (the emulator); on AWS DescribeAccountAttributes answers.
   */
  readonly rdsManualSnapshotQuota: number;
}

/**
 * EC2/EBS, RDS and KMS (tenants' keys) in any region, on the per-region clients of the one client factory. Service errors arrive as
 * domain errors (see cloud-errors.ts): throttling → SnapshotThrottledError, a full RDS quota →
 * SnapshotQuotaExceededError, a missing resource → undefined from describe*, NotFoundError from actions.
 */
export class AwsCloudResources implements CloudResources {
  readonly ec2: Ec2Resources;
  readonly rds: RdsResources;
  readonly kms: KmsResources;

  constructor(
    clients: Pick<AwsClients, 'ec2' | 'rds'> & Partial<Pick<AwsClients, 'kmsIn'>>,
    options: AwsCloudResourcesOptions,
  ) {
    this.ec2 = new AwsEc2Resources((region) => clients.ec2(region));
    this.rds = new AwsRdsResources((region) => clients.rds(region), {
      manualSnapshotQuota: options.rdsManualSnapshotQuota,
    });
    this.kms = new AwsKmsResources((region) => {
      if (clients.kmsIn === undefined) throw new Error(`no KMS client for ${region} was given`);
      return clients.kmsIn(region);
    });
  }
}
