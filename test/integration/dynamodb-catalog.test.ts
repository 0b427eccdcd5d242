import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../lambdas/adapters/aws/clients';
import { DynamoDbCatalog } from '../../lambdas/adapters/aws/dynamodb-catalog';
import { createTestResources } from '../support/aws-resources';
import { describeCatalogContract } from '../support/catalog-contract';
import { aCompleteBackup, aSource } from '../support/catalog-fixtures';
import { awsTestSettings, resetMoto } from '../support/testbed';

async function emptyCatalog(): Promise<{ catalog: DynamoDbCatalog; tableName: string }> {
  await resetMoto();
  const clients = createAwsClients(awsTestSettings());
  const { tableName } = await createTestResources(clients);
  return { catalog: new DynamoDbCatalog(clients.dynamodb, tableName), tableName };
}

describeCatalogContract('DynamoDbCatalog', async () => (await emptyCatalog()).catalog, { propertyRuns: 15 });

describe('DynamoDbCatalog item layout', () => {
  const clients = createAwsClients(awsTestSettings());
  let catalog: DynamoDbCatalog;
  let tableName: string;
  beforeEach(async () => {
    ({ catalog, tableName } = await emptyCatalog());
  });

  it('keys items by tenant as docs/architecture.md describes', async () => {
    // Prepare
    const source = aSource('acme');
    const backup = aCompleteBackup('acme', source.id);

    // Act
    await catalog.sources.create(source);
    await catalog.backups.save(backup, 'absent');

    // Assess
    const read = (sk: string) =>
      clients.dynamodb.send(new GetCommand({ TableName: tableName, Key: { pk: 'TENANT#acme', sk } }));
    const sourceItem = (await read(`SOURCE#${source.id}`)).Item;
    const backupItem = (await read(`BACKUP#${backup.id}`)).Item;
    expect(sourceItem).toMatchObject({ entity: 'source', id: source.id, tenantId: 'acme' });
    expect(sourceItem).not.toHaveProperty('gsi1pk');
    expect(backupItem).toMatchObject({
      entity: 'backup',
      gsi1pk: `TENANT#acme#SOURCE#${source.id}`,
      gsi1sk: `BACKUP#${backup.id}`,
      status: 'succeeded',
      sha256: backup.kind === 'dump' ? backup.sha256 : undefined,
    });
  });
});
