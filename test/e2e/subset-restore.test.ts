import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { loadMysqlFixture, loadPostgresFixture } from '../support/fixtures';
import { type Api, apiAs, sourceBodyFor, startTestService } from '../support/local-service';
import {
  createMysqlDatabase,
  createPostgresDatabase,
  type TestDatabase,
  withMysql,
  withPostgres,
} from '../support/testbed';

/** Restoring part of a backup through the API: what was asked for arrives whole and checked, nothing else. */
let service: LocalService;
let acme: Api;
const created: { engine: 'postgres' | 'mysql'; name: string }[] = [];
const sources: TestDatabase[] = [];

async function backupOf(db: TestDatabase): Promise<string> {
  const source = await acme.post('/v1/sources', sourceBodyFor(db));
  const backup = await acme.post('/v1/backups', { sourceId: source.body.id });
  await service.idle();
  return backup.body.id as string;
}

async function restore(body: Record<string, unknown>) {
  const requested = await acme.post('/v1/restores', body);
  expect(requested.status).toBe(202);
  await service.idle();
  return (await acme.get(`/v1/restores/${requested.body.id}`)).body;
}

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
});

afterAll(async () => {
  for (const { engine, name } of created) {
    if (engine === 'postgres')
      await withPostgres('postgres', (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    else await withMysql(undefined, (c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``));
  }
  for (const db of sources) await db.drop();
  await service?.stop();
});

describe('subset restores', () => {
  it('restores a partitioned table named by its parent, with all its partitions, and a schema', async () => {
    // Prepare
    const db = await createPostgresDatabase('subset_pg');
    sources.push(db);
    await loadPostgresFixture(db.connection);
    const backupId = await backupOf(db);
    const target = `${db.name}_part`;
    created.push({ engine: 'postgres', name: target });

    // Act
    const done = await restore({
      backupId,
      target: { database: target },
      tables: ['measurements'],
      schemas: ['billing'],
    });

    // Assess
    expect(done).toMatchObject({ status: 'succeeded', error: null });
    const tables = await withPostgres(target, (c) =>
      c.query(
        `SELECT schemaname || '.' || tablename AS name FROM pg_tables WHERE schemaname IN ('public', 'billing') ORDER BY 1`,
      ),
    );
    expect(tables.rows.map((row) => row.name)).toEqual([
      'billing.invoice_lines',
      'billing.invoices',
      'public.measurements',
      'public.measurements_2023',
      'public.measurements_2024',
      'public.measurements_other',
    ]);
    const source = await withPostgres(db.name, (c) => c.query('SELECT count(*)::int AS n FROM measurements'));
    const restored = await withPostgres(target, (c) => c.query('SELECT count(*)::int AS n FROM measurements'));
    expect(restored.rows[0].n).toBe(source.rows[0].n);
  });

  it('restores a list of MariaDB tables and nothing else', async () => {
    // Prepare
    const db = await createMysqlDatabase('subset_my');
    sources.push(db);
    await loadMysqlFixture(db.connection);
    const backupId = await backupOf(db);
    const target = `${db.name}_part`;
    created.push({ engine: 'mysql', name: target });

    // Act
    const done = await restore({ backupId, target: { database: target }, tables: ['orders', 'données'] });

    // Assess
    expect(done).toMatchObject({ status: 'succeeded', error: null, restoredTables: 2 });
    const [rows] = await withMysql(target, (c) =>
      c.query(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1",
      ),
    );
    expect((rows as { name: string }[]).map((row) => row.name)).toEqual(['données', 'orders']);
  });
});
