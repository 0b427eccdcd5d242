import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MysqlAdmin } from '../../lambdas/adapters/dumps/mysql-admin';
import { MysqlDumpLoader } from '../../lambdas/adapters/dumps/mysql-loader';
import type { DatabaseConnection, LoadRequest } from '../../lambdas/ports/databases';
import { compareMysql, pickKeys, snapshotMysql } from '../support/compare';
import { corruptCopy, dumpMysql, loadMysqlFixture, type StoredDump } from '../support/fixtures';
import { createMysqlDatabase, mysqlConnection, type TestDatabase, withMysql } from '../support/testbed';

const admin = new MysqlAdmin();
const loader = new MysqlDumpLoader();
const server = () => mysqlConnection('');

describe('MysqlDumpLoader', () => {
  let workDir: string;
  let source: TestDatabase;
  let dump: StoredDump;
  const targets: string[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'sb-restore-my-'));
    source = await createMysqlDatabase('sbrst_src');
    await loadMysqlFixture(source.connection);
    dump = await dumpMysql(source.connection, join(workDir, 'data.sql.zst'));
  });

  afterAll(async () => {
    await source?.drop();
    await rm(workDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const name of targets.splice(0)) await admin.dropDatabase(server(), name);
  });

  async function newTarget(): Promise<DatabaseConnection> {
    const name = `sbrst_dst_${randomBytes(4).toString('hex')}`;
    await admin.createDatabase(server(), name);
    targets.push(name);
    return mysqlConnection(name);
  }

  function request(connection: DatabaseConnection, from: StoredDump, tables: string[] = []): LoadRequest {
    return { connection, open: from.open, expectedSha256: from.sha256, tables, schemas: [] };
  }

  it('restores the whole rich database so that every table, row and object compares equal', async () => {
    // Prepare
    const target = await newTarget();

    // Act
    await loader.load(request(target, dump));

    // Assess
    const comparison = await compareMysql(source.connection, target);
    expect(comparison.differences).toEqual([]);
    expect(comparison.target.tables.orders?.rows).toBe(1200);
    expect(comparison.target.tables['odd`name']?.rows).toBe(3);
    expect(Object.keys(comparison.target.routines).sort()).toEqual(['FUNCTION order_total', 'PROCEDURE add_order']);
    expect(Object.keys(comparison.target.events)).toEqual(['nightly_cleanup']);
    expect(Object.keys(comparison.target.triggers).sort()).toEqual(['orders_audit', 'orders_touch']);
    expect(await admin.rowCounts(target)).toEqual(await admin.rowCounts(source.connection));
  });

  it('restores only the named tables and views, dropping foreign keys to tables left out', async () => {
    // Prepare
    const target = await newTarget();
    const selection = ['orders', 'customers', 'odd`name', 'données', 'customer_totals'];

    // Act
    await loader.load(request(target, dump, selection));

    // Assess
    const restored = await snapshotMysql(target);
    const original = await snapshotMysql(source.connection);
    expect(Object.keys(restored.tables).sort()).toEqual(['customers', 'données', 'odd`name', 'orders']);
    expect(restored.tables).toEqual(pickKeys(original, (_, key) => selection.includes(key)).tables);
    expect(Object.keys(restored.views)).toEqual(['customer_totals']);
    expect(Object.keys(restored.triggers).sort()).toEqual(['orders_audit', 'orders_touch']);
    expect(Object.keys(restored.routines).sort()).toEqual(['FUNCTION order_total', 'PROCEDURE add_order']);
    expect(restored.events).toEqual({});
    expect(Object.keys(restored.foreignKeys)).toEqual(['orders.orders_customer_fk']);
  });

  it('restores a table whose foreign key points at a table left out, and the table still takes rows', async () => {
    // Prepare
    const target = await newTarget();

    // Act
    await loader.load(request(target, dump, ['audit_log']));

    // Assess
    const restored = await snapshotMysql(target);
    expect(Object.keys(restored.tables)).toEqual(['audit_log']);
    expect(restored.foreignKeys).toEqual({});
    await withMysql(target.database, (conn) =>
      conn.query("INSERT INTO audit_log (order_id, action) VALUES (424242, 'x')"),
    );
    expect(Object.fromEntries(await admin.rowCounts(target))).toEqual({ audit_log: 1201 });
  });

  it('fails with ValidationError naming the tables the dump does not hold', async () => {
    // Prepare
    const target = await newTarget();

    // Act
    const error = await loader.load(request(target, dump, ['orders', 'nope'])).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ValidationError' });
    expect((error as Error).message).toContain('"nope"');
    expect((error as Error).message).not.toContain('"orders"');
  });

  it('fails with RestoreFailedError when a named view needs tables that were not selected', async () => {
    // Prepare
    const target = await newTarget();

    // Act
    const error = await loader.load(request(target, dump, ['customer_totals'])).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'RestoreFailedError' });
    expect((error as Error).message).toMatch(
      /^mariadb exited with code 1: ERROR 1146 \(42S02\) at line \d+: Table .*customers' doesn't exist$/,
    );
  });

  it('fails with ChecksumMismatchError when one stored byte is flipped', async () => {
    // Prepare
    const target = await newTarget();
    const corrupt = await corruptCopy(dump, join(workDir, 'corrupt.sql.zst'));

    // Act
    const error = await loader.load(request(target, corrupt)).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ChecksumMismatchError', code: 'checksum_mismatch' });
    // What a failed load leaves is the caller's to drop; the database it created goes away entirely.
    await admin.dropDatabase(server(), target.database);
    expect(await admin.databaseExists(server(), target.database)).toBe(false);
  });

  it('fails with RestoreFailedError that carries the server error but never the password', async () => {
    // Prepare
    const target = await newTarget();
    const password = `Wrong-${randomBytes(6).toString('hex')}`;

    // Act
    const error = await loader.load(request({ ...target, password }, dump)).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'RestoreFailedError', code: 'restore_failed' });
    expect((error as Error).message).toContain('Access denied');
    expect((error as Error).message).not.toContain(password);
    expect(await admin.rowCounts(target)).toEqual(new Map());
  });

  it('never hands the password or the worker secrets to the client in its arguments or environment', async () => {
    // Prepare: a user with a password found nowhere else, and a client that records what it was given.
    const target = await newTarget();
    const user = `sb_spy_${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(8).toString('hex')}`;
    await withMysql(undefined, async (conn) => {
      await conn.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '127.0.0.1', password]);
      await conn.query(`GRANT ALL PRIVILEGES ON \`${target.database}\`.* TO ?@?`, [user, '127.0.0.1']);
    });
    const spy = join(workDir, 'spy-mariadb');
    await writeFile(
      spy,
      `#!/bin/sh\nprintf '%s\\n' "$@" > '${workDir}/argv'\nenv > '${workDir}/env'\nexec mariadb "$@"\n`,
    );
    await chmod(spy, 0o700);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'worker-secret-key');
    vi.stubEnv('MYSQL_PWD', password);

    try {
      // Act
      await new MysqlDumpLoader({ clientPath: spy }).load(
        request({ ...target, username: user, password }, dump, ['numbers']),
      );
    } finally {
      vi.unstubAllEnvs();
      await withMysql(undefined, (conn) => conn.query('DROP USER IF EXISTS ?@?', [user, '127.0.0.1']));
    }

    // Assess
    const argv = (await readFile(join(workDir, 'argv'), 'utf8')).split('\n');
    const env = await readFile(join(workDir, 'env'), 'utf8');
    expect(Object.fromEntries(await admin.rowCounts(target))).toEqual({ numbers: 7 });
    expect(argv[0]).toMatch(/^--defaults-extra-file=/);
    for (const text of [argv.join('\n'), env]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain('worker-secret-key');
    }
  });

  it('restores as a user without SUPER whose password needs escaping in the option file', async () => {
    // Prepare
    const target = await newTarget();
    const user = `sb_user_${randomBytes(3).toString('hex')}`;
    const password = `p"a\\s's #w=rd ü ${randomBytes(3).toString('hex')}`;
    await withMysql(undefined, async (conn) => {
      await conn.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '127.0.0.1', password]);
      await conn.query(`GRANT ALL PRIVILEGES ON \`${target.database}\`.* TO ?@?`, [user, '127.0.0.1']);
    });

    try {
      // Act
      await loader.load(request({ ...target, username: user, password }, dump));

      // Assess: objects with a DEFINER (views, triggers, routines, event) were created as this user.
      const comparison = await compareMysql(source.connection, target);
      expect(comparison.differences).toEqual([]);
    } finally {
      await withMysql(undefined, (conn) => conn.query('DROP USER IF EXISTS ?@?', [user, '127.0.0.1']));
    }
  });
});
