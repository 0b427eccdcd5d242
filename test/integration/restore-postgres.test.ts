import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresAdmin } from '../../lambdas/adapters/dumps/postgres-admin';
import { PostgresDumpLoader } from '../../lambdas/adapters/dumps/postgres-loader';
import type { DatabaseConnection, LoadRequest } from '../../lambdas/ports/databases';
import { comparePostgres, pickKeys, snapshotPostgres } from '../support/compare';
import { corruptCopy, dumpPostgres, loadPostgresFixture, type StoredDump } from '../support/fixtures';
import { createPostgresDatabase, postgresConnection, type TestDatabase, withPostgres } from '../support/testbed';

const admin = new PostgresAdmin();
const loader = new PostgresDumpLoader();

describe('PostgresDumpLoader', () => {
  let workDir: string;
  let source: TestDatabase;
  let dump: StoredDump;
  const targets: string[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'sb-restore-pg-'));
    source = await createPostgresDatabase('sbrst_src');
    await loadPostgresFixture(source.connection);
    dump = await dumpPostgres(source.connection, join(workDir, 'data.dump.zst'));
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

  function request(
    connection: DatabaseConnection,
    from: StoredDump,
    selection: Partial<Pick<LoadRequest, 'tables' | 'schemas'>> = {},
  ): LoadRequest {
    return {
      connection,
      open: from.open,
      expectedSha256: from.sha256,
      tables: selection.tables ?? [],
      schemas: selection.schemas ?? [],
    };
  }

  it('restores the whole rich database so that every table, row and object compares equal', async () => {
    // Prepare
    const target = await newTarget();

    // Act
    await loader.load(request(target, dump));

    // Assess
    const comparison = await comparePostgres(source.connection, target);
    expect(comparison.differences).toEqual([]);
    expect(comparison.target.tables['public.orders']?.rows).toBe(1200);
    expect(comparison.target.tables['public.données']?.rows).toBe(6);
    expect(comparison.target.sequences['public.ticket_no']).toContain('last=5992 called=true');
    expect(comparison.target.enums['public.mood']).toEqual(['sad', 'ok', 'happy', 'ünïcode 😀']);
    expect(Object.keys(comparison.target.extensions)).toEqual(expect.arrayContaining(['citext', 'pgcrypto']));
    expect(await admin.rowCounts(target)).toEqual(await admin.rowCounts(source.connection));
  });

  it('restores two named tables, without the foreign key to a table that was not selected', async () => {
    // Prepare
    const target = await newTarget();

    // Act
    const plan = await loader.restore(request(target, dump, { tables: ['public.orders', 'données'] }));

    // Assess
    const restored = await snapshotPostgres(target);
    const original = await snapshotPostgres(source.connection);
    expect(Object.keys(restored.tables).sort()).toEqual(['public.données', 'public.orders']);
    expect(restored.tables).toEqual(pickKeys(original, (_, key) => key in restored.tables).tables);
    expect(plan?.tables).toEqual(['public.données', 'public.orders']);
    expect(Object.keys(restored.constraints)).not.toContain('public.orders.orders_customer_id_fkey');
    expect(restored.triggers['public.orders.orders_touch']).toBe(original.triggers['public.orders.orders_touch']);
    expect(restored.sequences['public.orders_id_seq']).toBe(original.sequences['public.orders_id_seq']);
    expect(restored.views).toEqual({});
    // The restored table still takes new rows: its identity sequence and domain came along.
    await withPostgres(target.database, (client) =>
      client.query('INSERT INTO public.orders (customer_id, quantity, amount) VALUES (999999, 1, 1)'),
    );
  });

  it('restores a whole schema, leaving out its foreign keys and views that reach into other schemas', async () => {
    // Prepare
    const target = await newTarget();

    // Act
    await loader.load(request(target, dump, { schemas: ['billing'] }));

    // Assess
    const restored = await snapshotPostgres(target);
    const original = await snapshotPostgres(source.connection);
    expect(Object.keys(restored.tables).sort()).toEqual(['billing.invoice_lines', 'billing.invoices']);
    expect(restored.tables).toEqual(pickKeys(original, (_, key) => key.startsWith('billing.')).tables);
    expect(Object.keys(restored.views)).toEqual(['billing.open_invoices']);
    expect(restored.constraints['billing.invoice_lines.invoice_lines_invoice_id_fkey']).toBeDefined();
    expect(restored.constraints['billing.invoices.invoices_customer_id_fkey']).toBeUndefined();
    // billing.invoices takes its ticket numbers from public.ticket_no: the sequence and its value come along.
    expect(restored.sequences['public.ticket_no']).toBe(original.sequences['public.ticket_no']);
    expect(restored.enums['billing.invoice_state']).toEqual(['draft', 'sent', 'paid']);
  });

  it('restores a partitioned table with all of its partitions and their rows', async () => {
    // Prepare
    const target = await newTarget();

    // Act
    await loader.load(request(target, dump, { tables: ['public.measurements'] }));

    // Assess
    const counts = Object.fromEntries(await admin.rowCounts(target));
    const original = Object.fromEntries(await admin.rowCounts(source.connection));
    expect(Object.keys(counts)).toEqual([
      'public.measurements_2023',
      'public.measurements_2024',
      'public.measurements_other',
    ]);
    expect(counts).toEqual(pickKeys({ counts: original }, (_, key) => key in counts).counts);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(400);
  });

  it('refuses names the backup does not hold, naming each, and leaves the target untouched', async () => {
    // Prepare
    const target = await newTarget();

    // Act
    const error = await loader
      .load(request(target, dump, { tables: ['public.orders', 'nope'], schemas: ['nowhere'] }))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      fields: [
        { path: 'tables[1]', message: expect.stringContaining('"nope"') },
        { path: 'schemas[0]', message: expect.stringContaining('"nowhere"') },
      ],
    });
    expect(Object.keys((await snapshotPostgres(target)).tables)).toEqual([]);
  });

  it('fails with ChecksumMismatchError when one stored byte is flipped', async () => {
    // Prepare
    const target = await newTarget();
    const corrupt = await corruptCopy(dump, join(workDir, 'corrupt.dump.zst'));

    // Act
    const error = await loader.load(request(target, corrupt)).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ChecksumMismatchError', code: 'checksum_mismatch' });
    expect((error as Error).message).toContain(dump.sha256);
    // What a failed load leaves is the caller's to drop; the database it created goes away entirely.
    await admin.dropDatabase(postgresConnection('postgres'), target.database);
    expect(await admin.databaseExists(postgresConnection('postgres'), target.database)).toBe(false);
  });

  it('fails with ChecksumMismatchError for a subset too, when the table of contents is intact', async () => {
    // Prepare
    const target = await newTarget();
    const corrupt = await corruptCopy(dump, join(workDir, 'corrupt-tail.dump.zst'), dump.bytes - 10);

    // Act
    const error = await loader.load(request(target, corrupt, { tables: ['public.numbers'] })).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ChecksumMismatchError' });
  });

  it('fails with RestoreFailedError that carries the server error but never the password', async () => {
    // Prepare
    const target = await newTarget();
    const password = `Wrong-${randomBytes(6).toString('hex')}`;

    // Act
    const error = await loader.load(request({ ...target, password }, dump)).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'RestoreFailedError', code: 'restore_failed' });
    expect((error as Error).message).toContain('password authentication failed');
    expect((error as Error).message).not.toContain(password);
    expect(Object.keys((await snapshotPostgres(target)).tables)).toEqual([]);
  });

  it('never hands the password or the worker secrets to pg_restore in its arguments or environment', async () => {
    // Prepare: a role with a password found nowhere else, and a pg_restore that records what it was given.
    const target = await newTarget();
    const role = `sb_spy_${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(8).toString('hex')}`;
    await withPostgres('postgres', async (client) => {
      await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      await client.query(`ALTER DATABASE ${target.database} OWNER TO ${role}`);
    });
    const spy = join(workDir, 'spy-pg_restore');
    await writeFile(
      spy,
      `#!/bin/sh\nprintf '%s\\n' "$@" >> '${workDir}/argv'\nenv >> '${workDir}/env'\nexec pg_restore "$@"\n`,
    );
    await chmod(spy, 0o700);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'worker-secret-key');
    vi.stubEnv('PGPASSWORD', password);

    let counts: Record<string, number> = {};
    try {
      // Act
      await new PostgresDumpLoader({ pgRestorePath: spy }).load(
        request({ ...target, username: role, password }, dump, { tables: ['numbers'] }),
      );
      counts = Object.fromEntries(await admin.rowCounts(target));
    } finally {
      vi.unstubAllEnvs();
      await admin.dropDatabase(postgresConnection('postgres'), target.database);
      await withPostgres('postgres', (client) => client.query(`DROP ROLE IF EXISTS ${role}`));
    }

    // Assess
    const argv = await readFile(join(workDir, 'argv'), 'utf8');
    const env = await readFile(join(workDir, 'env'), 'utf8');
    expect(counts).toEqual({ 'public.numbers': 10 });
    expect(argv).toContain('--list');
    expect(argv).toContain(`user='${role}'`);
    for (const text of [argv, env]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain('worker-secret-key');
    }
    expect(env).toMatch(/^PGPASSFILE=/m);
  });

  it('restores as a role whose password needs escaping in the password file', async () => {
    // Prepare
    const target = await newTarget();
    const role = `sb_role_${randomBytes(3).toString('hex')}`;
    const password = `p:a\\s's "w#rd ü${randomBytes(3).toString('hex')}`;
    await withPostgres('postgres', async (client) => {
      await client.query(`CREATE ROLE ${role} LOGIN PASSWORD ${client.escapeLiteral(password)}`);
      await client.query(`ALTER DATABASE ${target.database} OWNER TO ${role}`);
    });

    try {
      // Act
      await loader.load(request({ ...target, username: role, password }, dump, { tables: ['public.numbers'] }));

      // Assess
      expect(Object.fromEntries(await admin.rowCounts(target))).toEqual({ 'public.numbers': 10 });
    } finally {
      await admin.dropDatabase(postgresConnection('postgres'), target.database);
      await withPostgres('postgres', (client) => client.query(`DROP ROLE IF EXISTS ${role}`));
    }
  });
});
