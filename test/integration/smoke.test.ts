import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../lambdas/adapters/aws/clients';
import { createTestResources } from '../support/aws-resources';
import {
  awsTestSettings,
  createMysqlDatabase,
  createPostgresDatabase,
  resetMoto,
  withMysql,
  withPostgres,
} from '../support/testbed';

describe('test bed', () => {
  beforeEach(resetMoto);

  it('serves the emulator, PostgreSQL and MariaDB', async () => {
    const clients = createAwsClients(awsTestSettings());
    const resources = await createTestResources(clients);
    const buckets = await clients.s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name)).toContain(resources.bucket);

    const pgDb = await createPostgresDatabase();
    const pgVersion = await withPostgres(pgDb.name, (c) => c.query('select current_database() as db'));
    expect(pgVersion.rows[0].db).toBe(pgDb.name);
    await pgDb.drop();

    const myDb = await createMysqlDatabase();
    const [rows] = await withMysql(myDb.name, (c) => c.query('select database() as db'));
    expect((rows as { db: string }[])[0]?.db).toBe(myDb.name);
    await myDb.drop();
  });
});
