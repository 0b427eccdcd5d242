import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createZstdDecompress } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MysqlAdmin } from '../../lambdas/adapters/dumps/mysql-admin';
import { PostgresAdmin } from '../../lambdas/adapters/dumps/postgres-admin';
import { parsePgRestoreListing } from '../../lambdas/domain/restore-pg-toc';
import { dumpPostgres, loadMysqlFixture, loadPostgresFixture } from '../support/fixtures';
import {
  createMysqlDatabase,
  createPostgresDatabase,
  mysqlConnection,
  postgresConnection,
  type TestDatabase,
  testbedInfo,
  withMysql,
  withPostgres,
} from '../support/testbed';

const suffix = () => randomBytes(3).toString('hex');
const pgClientSettings = () => {
  const { host, port, user, password } = testbedInfo().postgres;
  return { host, port, user, password };
};

describe('PostgresAdmin', () => {
  const admin = new PostgresAdmin();
  const server = postgresConnection('postgres');
  let rich: TestDatabase;

  beforeAll(async () => {
    rich = await createPostgresDatabase('sbadm_pg');
    await loadPostgresFixture(rich.connection);
  });

  afterAll(async () => {
    await rich?.drop();
  });

  it.each([
    ['quotes, spaces, dollars and non-ASCII', () => `sb odd"na$me-ü ${suffix()}`],
    ['what would be SQL if it were not quoted', () => `x"; DROP DATABASE postgres; --${suffix()}`],
  ])('creates, finds and drops a database whose name has %s', async (_, makeName) => {
    // Prepare
    const name = makeName();

    // Act
    const before = await admin.databaseExists(server, name);
    await admin.createDatabase(server, name);
    const created = await admin.databaseExists(server, name);
    const tables = await withPostgres(name, (client) =>
      client.query(
        "SELECT count(*)::int AS n FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace",
      ),
    );
    await admin.dropDatabase(server, name);

    // Assess
    expect([before, created, await admin.databaseExists(server, name)]).toEqual([false, true, false]);
    expect(tables.rows[0].n).toBe(0);
    expect(await admin.databaseExists(server, 'postgres')).toBe(true);
  });

  it('refuses to create a database that exists, with RestoreTargetExistsError', async () => {
    // Act
    const error = await admin.createDatabase(server, rich.name).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'RestoreTargetExistsError', code: 'restore_target_exists' });
  });

  it('drops a database that does not exist without complaint, and one that has sessions', async () => {
    // Prepare
    const name = `sbadm_busy_${suffix()}`;
    await admin.createDatabase(server, name);
    const session = new pg.Client({ ...pgClientSettings(), database: name });
    const sessionErrors: string[] = [];
    session.on('error', (error: Error & { code?: string }) => sessionErrors.push(error.code ?? error.message));
    await session.connect();

    // Act
    await admin.dropDatabase(server, name);
    await admin.dropDatabase(server, `sbadm_never_${suffix()}`);

    // Assess
    expect(await admin.databaseExists(server, name)).toBe(false);
    await session.end().catch(() => undefined);
    expect(sessionErrors).toContain('57P01');
  });

  it('refuses names PostgreSQL would silently truncate', async () => {
    // Act
    const error = await admin.createDatabase(server, `sb_${'é'.repeat(31)}`).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ValidationError', fields: [{ path: 'target.database' }] });
  });

  it('falls back to the source database when the maintenance database does not exist', async () => {
    // Prepare
    const fallback = new PostgresAdmin({ maintenanceDatabase: `sbadm_missing_${suffix()}` });

    // Act
    const exists = await fallback.databaseExists(rich.connection, rich.name);

    // Assess
    expect(exists).toBe(true);
  });

  it('counts exactly the tables whose rows pg_dump writes: leaf partitions, not their parent', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'sbadm-'));
    try {
      const dump = await dumpPostgres(rich.connection, join(dir, 'data.dump.zst'));
      await pipeline(createReadStream(dump.path), createZstdDecompress(), createWriteStream(join(dir, 'data.dump')));
      const listing = spawnSync('pg_restore', ['--list', join(dir, 'data.dump')], { encoding: 'utf8' });
      const dumped = parsePgRestoreListing(listing.stdout)
        .filter((entry) => entry.desc === 'TABLE DATA')
        .map((entry) => `${entry.namespace}.${entry.tag}`);

      // Act
      const counts = await admin.rowCounts(rich.connection);

      // Assess
      expect([...counts.keys()].sort()).toEqual(dumped.sort());
      expect(counts.get('public.orders')).toBe(1200);
      expect(counts.get('public.données')).toBe(6);
      expect(counts.has('public.measurements')).toBe(false);
      expect(counts.get('public.measurements_2023')).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('counts an inheritance parent without the rows of its children', async () => {
    // Prepare
    const db = await createPostgresDatabase('sbadm_inh');
    try {
      await withPostgres(db.name, (client) =>
        client.query(`CREATE TABLE parent (id int); CREATE TABLE child (extra text) INHERITS (parent);
                      INSERT INTO parent VALUES (1), (2); INSERT INTO child VALUES (3, 'a'), (4, 'b'), (5, 'c');`),
      );

      // Act
      const counts = await admin.rowCounts(db.connection);

      // Assess
      expect(Object.fromEntries(counts)).toEqual({ 'public.child': 3, 'public.parent': 2 });
    } finally {
      await db.drop();
    }
  });

  it('fails with RestoreFailedError without the password when the password is wrong', async () => {
    // Prepare
    const password = `Wrong-${suffix()}${suffix()}`;

    // Act
    const error = await admin.databaseExists({ ...server, password }, 'postgres').catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'RestoreFailedError' });
    expect((error as Error).message).toContain('password authentication failed');
    expect((error as Error).message).not.toContain(password);
  });
});

describe('MysqlAdmin', () => {
  const admin = new MysqlAdmin();
  const server = mysqlConnection('');
  let rich: TestDatabase;

  beforeAll(async () => {
    rich = await createMysqlDatabase('sbadm_my');
    await loadMysqlFixture(rich.connection);
  });

  afterAll(async () => {
    await rich?.drop();
  });

  it.each([
    ['backticks, quotes, spaces, dollars and non-ASCII', () => `sb odd\`na'me$-ü ${suffix()}`],
    ['what would be SQL if it were not quoted', () => `x\`; DROP DATABASE mysql; --${suffix()}`],
  ])('creates, finds and drops a database whose name has %s', async (_, makeName) => {
    // Prepare
    const name = makeName();

    // Act
    const before = await admin.databaseExists(server, name);
    await admin.createDatabase(server, name);
    const created = await admin.databaseExists(server, name);
    const [charset] = await withMysql(undefined, (conn) =>
      conn.query('SELECT DEFAULT_CHARACTER_SET_NAME AS cs FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
        name,
      ]),
    );
    await admin.dropDatabase(server, name);

    // Assess
    expect([before, created, await admin.databaseExists(server, name)]).toEqual([false, true, false]);
    expect(charset).toEqual([{ cs: 'utf8mb4' }]);
    expect(await admin.databaseExists(server, 'mysql')).toBe(true);
  });

  it('refuses to create a database that exists, with RestoreTargetExistsError', async () => {
    // Act
    const error = await admin.createDatabase(server, rich.name).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'RestoreTargetExistsError', code: 'restore_target_exists' });
  });

  it('drops a database that does not exist without complaint', async () => {
    // Act
    await admin.dropDatabase(server, `sbadm_never_${suffix()}`);

    // Assess
    expect(await admin.databaseExists(server, rich.name)).toBe(true);
  });

  it('refuses names MySQL cannot hold', async () => {
    // Act
    const tooLong = await admin.createDatabase(server, 'x'.repeat(65)).catch((e: unknown) => e);
    const trailingSpace = await admin.createDatabase(server, 'sbadm ').catch((e: unknown) => e);

    // Assess
    expect(tooLong).toMatchObject({ name: 'ValidationError', fields: [{ path: 'target.database' }] });
    expect(trailingSpace).toMatchObject({ name: 'ValidationError' });
  });

  it('counts the rows of every base table by name, views aside', async () => {
    // Act
    const counts = await admin.rowCounts(rich.connection);

    // Assess
    expect(Object.fromEntries(counts)).toEqual({
      audit_log: 1200,
      blobs: 202,
      customers: 300,
      données: 6,
      empty_table: 0,
      moments: 4,
      numbers: 7,
      'odd`name': 3,
      orders: 1200,
    });
  });

  it('fails with RestoreFailedError without the password when the password is wrong', async () => {
    // Prepare
    const password = `Wrong-${suffix()}${suffix()}`;

    // Act
    const error = await admin.databaseExists({ ...server, password }, 'mysql').catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'RestoreFailedError' });
    expect((error as Error).message).toContain('Access denied');
    expect((error as Error).message).not.toContain(password);
  });
});
