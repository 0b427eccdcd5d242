import type { AwsClients } from '../../lambdas/adapters/aws/clients';
import { provisionDataStack } from '../../scripts/local/data-stack';
import { synthesizeCached } from '../../scripts/local/synth';
import { REPO_ROOT } from './local-service';

export interface TestResources {
  readonly bucket: string;
  readonly tableName: string;
  readonly keyArn: string;
}

/**
 * The data stack's vault bucket, catalog table and data key on the emulator, provisioned from the synthesized
 * template exactly as local mode does, so adapter tests meet the resources CDK defines (versioning, SSE-KMS,
 * lifecycle, keys and indexes), not a hand-made approximation.
 */
export async function createTestResources(clients: AwsClients): Promise<TestResources> {
  const data = await provisionDataStack(clients, synthesizeCached(REPO_ROOT, 'local'), 'us-east-1');
  return { bucket: data.bucket, tableName: data.tableName, keyArn: data.dataKeyArn };
}
