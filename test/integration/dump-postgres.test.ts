import { randomBytes } from 'node:crypto';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresDumpWriter } from '../../lambdas/adapters/dumps/postgres-writer';
import { MIB } from '../../lambdas/domain/part-size';
import { createPostgresDatabase, resetMoto, type TestDatabase, withPostgres } from '../support/testbed';
import {
  decompress,
  openUploads,
  pgFingerprints,
  pgRestore,
  readObject,
  sha256,
  type VaultFixture,
  vaultFixture,
} from './dump-helpers';

const PART = 5 * MIB;

/** Text with every COPY escape, bytea, jsonb, an empty table, a zero-column table, partitions, odd names. */
const SEED = String.raw`
  create schema app;
  create table app.customers (id serial primary key, name text, note text, doc jsonb, photo bytea);
  insert into app.customers (name, note, doc, photo)
    select 'name ' || g, E'line1\nline2\ttab\\back \\. end\r', jsonb_build_object('g', g, 'tags', jsonb_build_array('a', E'b\nc')),
           decode(md5(g::text) || '000a0d5c', 'hex')
      from generate_series(1, 2500) g;
  insert into app.customers (name, note) values (E'\\.', ''), ('', null), (E'\\', E'\n');
  create table public.empty_table (id int);
  create table public.no_columns ();
  insert into public.no_columns default values;
  insert into public.no_columns default values;
  create table public.one_empty_string (v text);
  insert into public.one_empty_string values ('');
  create table public.events (id int, at date, payload text) partition by range (at);
  create table public.events_2023 partition of public.events for values from ('2023-01-01') to ('2024-01-01');
  create table public.events_2024 partition of public.events for values from ('2024-01-01') to ('2025-01-01');
  insert into public.events select g, date '2023-06-01' + (g % 400), 'p' || g from generate_series(1, 700) g;
  create schema "Odd Schema";
  create table "Odd Schema"."Weird ""Name""" (v text);
  insert into "Odd Schema"."Weird ""Name""" values ('x'), ('y');
  select lo_from_bytea(0, 'a large object');
`;

describe('PostgresDumpWriter', () => {
  let source: TestDatabase;
  const created: TestDatabase[] = [];
  let f: VaultFixture;

  beforeAll(async () => {
    source = await createPostgresDatabase('sbdump');
    await withPostgres(source.name, (client) => client.query(SEED));
  });

  afterAll(async () => {
    await Promise.all([source, ...created].map((db) => db?.drop()));
  });

  beforeEach(async () => {
    await resetMoto();
    f = await vaultFixture();
  });

  it('dumps into the vault so that stock pg_restore rebuilds every table with the same rows', async () => {
    // Prepare
    const writer = new PostgresDumpWriter({ vault: f.vault });
    const key = 'tenants/acme/sources/src_1/bkp_1/data.dump.zst';
    const target = await createPostgresDatabase('sbrestore');
    created.push(target);

    // Act
    const result = await writer.write({ connection: source.connection, key, partSize: PART });

    // Assess: the stored object is what the result says
    const stored = await readObject(f.s3, f.resources.bucket, key);
    expect(result).toMatchObject({
      format: 'pg-custom',
      toolName: 'pg_dump',
      storedBytes: stored.length,
      sha256: sha256(stored),
      object: { key, partCount: 1 },
    });
    expect(result.object.versionId).toBeTruthy();
    expect(result.toolVersion).toMatch(/^\d+\.\d+/);
    expect(result.toolOptions).toContain('--compress=0');
    const archive = await decompress(stored);
    expect(result.rawBytes).toBe(archive.length);
    expect(archive.subarray(0, 5).toString()).toBe('PGDMP');

    // Assess: a tenant's own pg_restore gets the same data back
    await pgRestore(archive, target.connection);
    const original = await pgFingerprints(source.name);
    expect(Object.keys(original)).toHaveLength(7);
    expect(await pgFingerprints(target.name)).toEqual(original);
    expect(await openUploads(f.s3, f.resources.bucket)).toEqual([]);
  });

  it('reports per-table row counts equal to count(*), partitions included and parents not', async () => {
    // Prepare
    const writer = new PostgresDumpWriter({ vault: f.vault });

    // Act
    const result = await writer.write({ connection: source.connection, key: 'tenants/acme/k1', partSize: PART });

    // Assess
    const counted = Object.fromEntries(
      Object.entries(await pgFingerprints(source.name)).map(([table, { rows }]) => [table, rows]),
    );
    const reported = Object.fromEntries(result.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
    expect(reported).toEqual(counted);
    expect(reported).toMatchObject({
      'app.customers': 2503,
      'public.empty_table': 0,
      'public.no_columns': 2,
      'public.one_empty_string': 1,
      'public.events_2023': expect.any(Number),
      'Odd Schema.Weird "Name"': 2,
    });
    expect(reported).not.toHaveProperty('public.events');
  });

  it('describes the server version and the database size', async () => {
    // Prepare
    const writer = new PostgresDumpWriter({ vault: f.vault });
    const expected = await withPostgres(source.name, (client) =>
      client.query<{ v: string; size: string }>(
        "select current_setting('server_version') as v, pg_database_size(current_database())::text as size",
      ),
    );

    // Act
    const info = await writer.describe(source.connection);

    // Assess
    expect(info.serverVersion).toBe(expected.rows[0]?.v);
    expect(info.sizeBytes).toBe(Number(expected.rows[0]?.size));
  });

  it('uploads more than two parts for incompressible data, matching the object ETag and size', async () => {
    // Prepare: 12 MiB of random bytea (hex in the dump, which zstd cannot shrink below half)
    const big = await createPostgresDatabase('sbbig');
    created.push(big);
    await withPostgres(big.name, async (client) => {
      await client.query('create table blobs (id int, data bytea)');
      for (let i = 0; i < 12; i++) await client.query('insert into blobs values ($1, $2)', [i, randomBytes(MIB)]);
    });
    const writer = new PostgresDumpWriter({ vault: f.vault });
    const key = 'tenants/acme/sources/src_1/bkp_big/data.dump.zst';

    // Act
    const result = await writer.write({ connection: big.connection, key, partSize: PART });

    // Assess
    const head = await f.s3.send(new HeadObjectCommand({ Bucket: f.resources.bucket, Key: key }));
    expect(result.object.partCount).toBeGreaterThanOrEqual(3);
    expect(head.ETag).toMatch(new RegExp(`-${result.object.partCount}"$`));
    expect(head.ContentLength).toBe(result.storedBytes);
    expect(result.object.partCount).toBe(Math.ceil(result.storedBytes / PART));
    expect(result.tables).toEqual([{ schema: 'public', name: 'blobs', rows: 12 }]);
  });
});
