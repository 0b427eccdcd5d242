import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgresAdmin } from '../../lambdas/adapters/dumps/postgres-admin';
import { PostgresDumpLoader } from '../../lambdas/adapters/dumps/postgres-loader';
import type { DatabaseConnection } from '../../lambdas/ports/databases';
import { snapshotPostgres } from '../support/compare';
import { dumpPostgres, type StoredDump } from '../support/fixtures';
import { createPostgresDatabase, postgresConnection, type TestDatabase, withPostgres } from '../support/testbed';

const admin = new PostgresAdmin();
const loader = new PostgresDumpLoader();

/**
 * Archives whose shape matters to the loader rather than their content: names pg_restore prints ambiguously,
 * and an archive large enough that reading its table of contents must not read all of it.
 */
describe('PostgresDumpLoader on awkward archives', () => {
  let workDir: string;
  let source: TestDatabase;
  let dump: StoredDump;
  const targets: string[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'sb-restore-pga-'));
    source = await createPostgresDatabase('sbrst_odd');
    await withPostgres(source.name, (client) =>
      client.query(`
        CREATE SCHEMA "my schema";
        CREATE SCHEMA "my";
        CREATE TABLE "my schema"."my table" (id int PRIMARY KEY, v text);
        CREATE TABLE "my"."schema my table" (id int, v text);
        CREATE TABLE public."line
break" (id int);
        CREATE TABLE public.bulk (id int, payload bytea);
        INSERT INTO "my schema"."my table" VALUES (1, 'in my schema'), (2, 'two');
        INSERT INTO "my"."schema my table" VALUES (1, 'in my');
        INSERT INTO public."line
break" VALUES (1), (2), (3);
        -- Incompressible (hashes): the stored object must be large for reading only its head to show.
        INSERT INTO public.bulk SELECT i, sha256(int4send(i)) || sha256(int4send(-i)) FROM generate_series(1, 60000) AS i;`),
    );
    dump = await dumpPostgres(source.connection, join(workDir, 'odd.dump.zst'));
  });

  afterAll(async () => {
    await source?.drop();
    await rm(workDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const name of targets.splice(0)) await admin.dropDatabase(postgresConnection('postgres'), name);
  });

  async function newTarget(): Promise<DatabaseConnection> {
    const name = `sbrst_dst_${randomBytes(4).toString('hex')}`;
    await admin.createDatabase(postgresConnection('postgres'), name);
    targets.push(name);
    return postgresConnection(name);
  }

  it('restores tables whose names pg_restore prints ambiguously, and only those', async () => {
    // Prepare
    const target = await newTarget();

    // Act
    await loader.load({
      connection: target,
      open: dump.open,
      expectedSha256: dump.sha256,
      tables: ['my schema.my table', 'line\nbreak'],
      schemas: [],
    });

    // Assess
    const restored = await snapshotPostgres(target);
    expect(Object.fromEntries(Object.entries(restored.tables).map(([name, t]) => [name, t.rows]))).toEqual({
      'my schema.my table': 2,
      'public.line\nbreak': 3,
    });
  });

  it('reads only the head of the stored object for the table of contents, all of it for the load', async () => {
    // Prepare
    const target = await newTarget();
    const bytesRead: number[] = [];
    const open = async (): Promise<Readable> => {
      const index = bytesRead.push(0) - 1;
      const counted = new PassThrough();
      counted.on('data', (chunk: Buffer) => {
        bytesRead[index] = (bytesRead[index] ?? 0) + chunk.length;
      });
      return (await dump.open()).pipe(counted);
    };

    // Act
    await loader.load({
      connection: target,
      open,
      expectedSha256: dump.sha256,
      tables: ['my.schema my table'],
      schemas: [],
    });

    // Assess
    expect(dump.bytes).toBeGreaterThan(2 * 1024 * 1024);
    expect(bytesRead).toHaveLength(2);
    expect(bytesRead[0]).toBeLessThan(dump.bytes / 4);
    expect(bytesRead[1]).toBe(dump.bytes);
    expect(Object.keys((await snapshotPostgres(target)).tables)).toEqual(['my.schema my table']);
  });
});
