import type { AwsClients } from '../../lambdas/adapters/aws/clients';
import { provisionStack } from '../../scripts/local/provision';
import { synthesizeCached } from '../../scripts/local/synth';
import { TemplateResolver } from '../../scripts/local/template';
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
  const { data } = synthesizeCached(REPO_ROOT, 'local');
  const resolver = new TemplateResolver(data.template, {
    region: 'us-east-1',
    stackName: data.name,
    exports: new Map(),
  });
  await provisionStack(clients, resolver, data.name);
  const exported = resolver.exports();
  const value = (name: string) => {
    const found = exported.get(`${data.name}:${name}`);
    if (found === undefined) throw new Error(`the data stack exports no ${name}`);
    return found;
  };
  return { bucket: value('VaultBucketName'), tableName: value('CatalogTableName'), keyArn: value('DataKeyArn') };
}
