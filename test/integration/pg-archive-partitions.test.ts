import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanPgArchive } from '../../lambdas/adapters/dumps/pg-archive';
import { resolveTables } from '../../lambdas/domain/manifest';
import { createPostgresDatabase, type TestDatabase, testbedInfo, withPostgres } from '../support/testbed';

/** Partitioned tables hold no rows; the archive reader reports them with their leaf partitions, from real pg_dump output. */
let db: TestDatabase;

beforeAll(async () => {
  db = await createPostgresDatabase('partitions');
  await withPostgres(db.name, (client) =>
    client.query(`
      CREATE SCHEMA metrics;
      CREATE TABLE metrics.readings (id int, at date, region text) PARTITION BY RANGE (at);
      CREATE TABLE metrics.readings_2024 PARTITION OF metrics.readings FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
        PARTITION BY LIST (region);
      CREATE TABLE metrics.readings_2024_eu PARTITION OF metrics.readings_2024 FOR VALUES IN ('eu');
      CREATE TABLE metrics.readings_2024_us PARTITION OF metrics.readings_2024 FOR VALUES IN ('us');
      CREATE TABLE metrics.readings_old PARTITION OF metrics.readings DEFAULT;
      INSERT INTO metrics.readings SELECT g, date '2024-01-01' + (g % 300), CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END
        FROM generate_series(1, 400) g;
      INSERT INTO metrics.readings VALUES (0, '2001-01-01', 'eu');
      CREATE TABLE plain (id int);
      INSERT INTO plain VALUES (1), (2);
    `),
  );
});

afterAll(async () => {
  await db?.drop();
});

function dump(): Buffer {
  const server = testbedInfo().postgres;
  const result = spawnSync(
    'pg_dump',
    ['-Fc', '-Z0', '-h', server.host, '-p', String(server.port), '-U', server.user, db.name],
    {
      env: { ...process.env, PGPASSWORD: server.password },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.status !== 0) throw new Error(result.stderr.toString());
  return result.stdout;
}

describe('partitioned tables in a pg_dump archive', () => {
  it('reports every partitioned table with its leaf partitions, through sub-partitions', () => {
    // Act
    const summary = scanPgArchive([dump()]);

    // Assess
    const byName = Object.fromEntries(
      summary.partitioned.map((table) => [`${table.schema}.${table.name}`, table.partitions]),
    );
    expect(byName).toEqual({
      'metrics.readings': ['metrics.readings_2024_eu', 'metrics.readings_2024_us', 'metrics.readings_old'],
      'metrics.readings_2024': ['metrics.readings_2024_eu', 'metrics.readings_2024_us'],
    });
    expect(summary.tables.map((table) => `${table.schema}.${table.name}`).sort()).toEqual([
      'metrics.readings_2024_eu',
      'metrics.readings_2024_us',
      'metrics.readings_old',
      'public.plain',
    ]);
  });

  it('lets a restore name a partitioned table, which selects the partitions that hold its rows', () => {
    // Prepare
    const summary = scanPgArchive([dump()]);

    // Act
    const resolved = resolveTables(summary.tables, ['readings', 'metrics.readings_2024', 'plain'], summary.partitioned);

    // Assess
    expect(resolved.unknown).toEqual([]);
    expect(resolved.ambiguous).toEqual([]);
    expect(resolved.tables.reduce((sum, table) => sum + (table.rows ?? 0), 0)).toBe(403);
  });
});
