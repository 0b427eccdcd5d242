import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../lambdas/adapters/aws/clients';
import { DynamoDbCatalog } from '../../lambdas/adapters/aws/dynamodb-catalog';
import { finishDeletion, startDeletion } from '../../lambdas/domain/backup-retention';
import { createTestResources } from '../support/aws-resources';
import { describeCatalogContract } from '../support/catalog-contract';
import { aCompleteBackup, aSource, ids, later } from '../support/catalog-fixtures';
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
  it("writes a backup's expiresAt as a top-level Number attribute, the table's TTL attribute", async () => {
    // Prepare
    const succeeded = aCompleteBackup('acme', ids.next('source'));
    const deleting = startDeletion(succeeded, { runId: ids.next('pruneRun'), at: later().toISOString(), reasons: [] });
    const tombstone = finishDeletion(deleting, later());
    await catalog.backups.save(succeeded, 'absent');
    await catalog.backups.save(deleting, 'succeeded');

    // Act
    await catalog.backups.save(tombstone, 'deleting');

    // Assess
    const raw = await clients.dynamodb.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'TENANT#acme' }, sk: { S: `BACKUP#${succeeded.id}` } },
      }),
    );
    expect(raw.Item?.expiresAt).toEqual({ N: String(tombstone.expiresAt) });
    expect(raw.Item?.status).toEqual({ S: 'deleted' });
  });

  it('keys the tenant registry under TENANTS and keeps the first registration time', async () => {
    // Prepare
    const first = later().toISOString();
    await catalog.tenants.register('acme', first);

    // Act
    await catalog.tenants.register('acme', later().toISOString());

    // Assess
    const item = (
      await clients.dynamodb.send(new GetCommand({ TableName: tableName, Key: { pk: 'TENANTS', sk: 'TENANT#acme' } }))
    ).Item;
    expect(item).toStrictEqual({
      pk: 'TENANTS',
      sk: 'TENANT#acme',
      entity: 'tenant',
      tenantId: 'acme',
      registeredAt: first,
    });
  });

  it("keys prune runs in the tenant's partition as PRUNERUN#<id>", async () => {
    // Prepare
    const now = later().toISOString();
    const run = {
      tenantId: 'acme',
      id: ids.next('pruneRun'),
      now,
      startedAt: now,
      status: 'running' as const,
      sources: [],
    };

    // Act
    await catalog.pruneRuns.save(run);

    // Assess
    const item = (
      await clients.dynamodb.send(
        new GetCommand({ TableName: tableName, Key: { pk: 'TENANT#acme', sk: `PRUNERUN#${run.id}` } }),
      )
    ).Item;
    expect(item).toStrictEqual({ ...run, pk: 'TENANT#acme', sk: `PRUNERUN#${run.id}`, entity: 'pruneRun' });
  });
});
