import type { AwsClients } from '../../lambdas/adapters/aws/clients';
import { provisionStack } from './provision';
import type { SynthesizedStacks } from './synth';
import { TemplateResolver } from './template';

/** The data stack provisioned on the emulator, with what its exports name. */
export interface ProvisionedData {
  readonly resolver: TemplateResolver;
  readonly bucket: string;
  readonly tableName: string;
  readonly dataKeyArn: string;
}

/**
 * Creates the data stack's resources (key, vault, catalog) on the emulator from the synthesized template and reads
 * the vault bucket, catalog table and data key from its exports — what local mode, the adapter tests and the
 * benchmark all need, in one place.
 */
export async function provisionDataStack(
  clients: AwsClients,
  stacks: SynthesizedStacks,
  region: string,
): Promise<ProvisionedData> {
  const resolver = new TemplateResolver(stacks.data.template, {
    region,
    stackName: stacks.data.name,
    exports: new Map(),
  });
  await provisionStack(clients, resolver, stacks.data.name);
  const exported = resolver.exports();
  const value = (name: string) => {
    const found = exported.get(`${stacks.data.name}:${name}`);
    if (found === undefined) throw new Error(`the data stack exports no ${name}`);
    return found;
  };
  return {
    resolver,
    bucket: value('VaultBucketName'),
    tableName: value('CatalogTableName'),
    dataKeyArn: value('DataKeyArn'),
  };
}
