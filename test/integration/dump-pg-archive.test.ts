import { buffer } from 'node:stream/consumers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTool } from '../../lambdas/adapters/dumps/child-process';
import { pgpassFile } from '../../lambdas/adapters/dumps/credentials';
import { scanPgArchive } from '../../lambdas/adapters/dumps/pg-archive';
import { createPostgresDatabase, type TestDatabase, withPostgres } from '../support/testbed';
import { pgFingerprints } from './dump-helpers';

/**
 * The archive reader against real pg_dump output (this machine's pg_dump writes archive version 1.14). It needs
 * the test bed's PostgreSQL, so it lives with the integration tests; synthetic 1.15/1.16 archives are in
 * test/unit/pg-archive.test.ts.
 */
const SEED = String.raw`
  create table texts (id int, body text, raw bytea);
  insert into texts
    select g, E'first\nsecond\r\n\ttabbed \\ backslash \\.\n\\.\n' || repeat('x', g % 50), decode(lpad(to_hex(g), 8, '0') || '0a0d5c2e', 'hex')
      from generate_series(1, 1500) g;
  insert into texts values (0, E'\\.', ''), (-1, '', null), (-2, null, E'\\x0a'::bytea);
  create table empty_table (id int);
  create table no_columns ();
  insert into no_columns select from generate_series(1, 4);
  create table measurements (id int, at date, v numeric) partition by range (at);
  create table measurements_a partition of measurements for values from ('2020-01-01') to ('2022-01-01');
  create table measurements_b partition of measurements for values from ('2022-01-01') to ('2030-01-01');
  insert into measurements select g, date '2020-03-01' + g, g / 7.0 from generate_series(1, 1200) g;
  create schema "Other Schema";
  create table "Other Schema"."t ""quoted""" (v jsonb);
  insert into "Other Schema"."t ""quoted""" select jsonb_build_object('k', E'v\n' || g) from generate_series(1, 25) g;
`;

async function pgDump(db: TestDatabase, options: string[]): Promise<Buffer> {
  const credentials = await pgpassFile(db.connection.password);
  try {
    const { host, port, username, database } = db.connection;
    const tool = startTool({
      command: 'pg_dump',
      args: [...options, `--host=${host}`, `--port=${port}`, `--username=${username}`, `--dbname=${database}`],
      env: { PGPASSFILE: credentials.path },
      secrets: [db.connection.password],
      failure: (message) => new Error(message),
    });
    const [bytes] = await Promise.all([buffer(tool.stdout), tool.wait()]);
    return bytes;
  } finally {
    await credentials.remove();
  }
}

describe('scanPgArchive on real pg_dump output', () => {
  let db: TestDatabase;
  let archive: Buffer;
  let expected: { schema: string; name: string; rows: number }[];

  beforeAll(async () => {
    db = await createPostgresDatabase('sbarchive');
    await withPostgres(db.name, (client) => client.query(SEED));
    archive = await pgDump(db, ['--format=custom', '--compress=0']);
    expected = Object.entries(await pgFingerprints(db.name)).map(([table, { rows }]) => {
      const dot = table.indexOf('.');
      return { schema: table.slice(0, dot), name: table.slice(dot + 1), rows };
    });
  });

  afterAll(async () => {
    await db?.drop();
  });

  const byName = (tables: readonly { schema?: string; name: string }[]) =>
    [...tables].sort((a, b) => `${a.schema}.${a.name}`.localeCompare(`${b.schema}.${b.name}`));

  it('counts every table’s rows exactly as count(*) does', () => {
    // Act
    const summary = scanPgArchive([archive]);

    // Assess
    expect(summary.archiveVersion).toMatch(/^1\.1[4-6]-0$/);
    expect(summary.database).toBe(db.name);
    expect(expected).toHaveLength(6);
    expect(byName(summary.tables)).toEqual(byName(expected));
    expect(summary.tables.find((t) => t.name === 'texts')?.rows).toBe(1503);
  });

  it('counts the same when the archive arrives one byte at a time', () => {
    // Prepare
    const bytes = Array.from({ length: archive.length }, (_, i) => archive.subarray(i, i + 1));

    // Act
    const summary = scanPgArchive(bytes);

    // Assess
    expect(byName(summary.tables)).toEqual(byName(expected));
  });

  it('counts the same for any split of the stream into chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 30 }), (sizes) => {
        // Prepare
        const chunks: Buffer[] = [];
        let at = 0;
        for (let i = 0; at < archive.length; i++) {
          const size = sizes[i % sizes.length] ?? 1;
          chunks.push(archive.subarray(at, at + size));
          at += size;
        }

        // Act + Assess
        expect(byName(scanPgArchive(chunks).tables)).toEqual(byName(expected));
      }),
      { numRuns: 60 },
    );
  });

  it('fails on every truncation of the archive', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: archive.length - 1 }), (length) => {
        expect(() => scanPgArchive([archive.subarray(0, length)])).toThrow(/pg_dump archive could not be read/);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses an archive pg_dump compressed itself, whose rows it cannot count', async () => {
    // Prepare
    const compressed = await pgDump(db, ['--format=custom', '--compress=1']);

    // Act
    const scan = () => scanPgArchive([compressed]);

    // Assess
    expect(scan).toThrow(
      expect.objectContaining({ name: 'DumpFailedError', message: expect.stringMatching(/compressed/) }),
    );
  });
});
