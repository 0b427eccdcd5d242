/**
 * The vault on the emulator, provisioned as the product provisions it in local mode (scripts/local/service.ts):
 * the CDK app synthesized in-process (cached), the data stack's key, versioned SSE-KMS bucket (lifecycle, public
 * access block, policy) and table created from the template, the bucket and data key read from the stack's exports.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createAwsClients } from '../../lambdas/adapters/aws/clients';
import { S3Vault } from '../../lambdas/adapters/aws/s3-vault';
import { provisionDataStack } from '../local/data-stack';
import { synthesizeCached } from '../local/synth';

export interface BenchVault {
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly kmsKeyArn: string;
  readonly s3: S3Client;
  /** For clean-up between runs (removeAllVersions), in the harness process. */
  readonly vault: S3Vault;
}

export async function provisionVault(root: string, endpoint: string, region = 'us-east-1'): Promise<BenchVault> {
  const stacks = synthesizeCached(root, 'local');
  const clients = createAwsClients({
    region,
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { bucket, dataKeyArn: kmsKeyArn } = await provisionDataStack(clients, stacks, region);
  return {
    endpoint,
    region,
    bucket,
    kmsKeyArn,
    s3: clients.s3,
    vault: new S3Vault({ s3: clients.s3, bucket, kmsKeyArn }),
  };
}
