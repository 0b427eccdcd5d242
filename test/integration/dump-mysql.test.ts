import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MysqlDumpScanner } from '../../lambdas/adapters/dumps/mysql-dump-scanner';
import { MysqlDumpWriter } from '../../lambdas/adapters/dumps/mysql-writer';
import { MIB } from '../../lambdas/domain/part-size';
import { createMysqlDatabase, resetMoto, type TestDatabase, withMysql } from '../support/testbed';
import {
  allVersions,
  decompress,
  mariadbLoad,
  mysqlFingerprints,
  openUploads,
  readObject,
  sha256,
  type VaultFixture,
  vaultFixture,
} from './dump-helpers';

const PART = 5 * MIB;
const KEY = 'tenants/acme/sources/src_2/bkp_1/data.sql.zst';

const BT = '`';
const SEED = String.raw`
  create table customers (id int primary key auto_increment, name varchar(200), note text, photo blob, born date);
  insert into customers (name, note, photo, born) values
    ('Zoë 🦊', 'it''s "quoted"\nline two\ttab \\ backslash', x'00ff0a0d5c27', '1990-02-03'),
    ('', null, null, null),
    ('semi;colon', '-- not a comment', x'', '2000-01-01');
  create table empty_table (id int);
  create table audit (id int primary key auto_increment, customer int);
  create view customer_names as select name from customers;
  create trigger customers_audit after insert on customers for each row insert into audit (customer) values (new.id);
  create procedure add_customer(in n varchar(200)) insert into customers (name) values (n);
  create procedure add_audits()
  begin
  INSERT INTO ${BT}audit${BT} VALUES (1, 1),(2, 2);
  end;
  create table ${BT}we${BT}${BT}ird (name)${BT} (v varchar(100), b varbinary(10));
  insert into ${BT}we${BT}${BT}ird (name)${BT} values ('it''s (a) ''),('' test \\ end', x'2728295c0a'), (')', null), ('(', x'');
  create table many (id int primary key, v varchar(100));
  set session max_recursive_iterations = 100000;
  insert into many
    with recursive seq(n) as (select 1 union all select n + 1 from seq where n < 30000)
    select n, concat('row ', n, ' (', repeat('x', n % 40), '),(''') from seq;
`;

describe('MysqlDumpWriter', () => {
  let source: TestDatabase;
  const created: TestDatabase[] = [];
  let f: VaultFixture;

  beforeAll(async () => {
    source = await createMysqlDatabase('sbdump');
    await withMysql(source.name, (conn) => conn.query(SEED));
  });

  afterAll(async () => {
    await Promise.all([source, ...created].map((db) => db?.drop()));
  });

  beforeEach(async () => {
    await resetMoto();
    f = await vaultFixture();
  });

  it('dumps into the vault so that the stock mariadb client rebuilds tables, rows, views, triggers and routines', async () => {
    // Prepare
    const writer = new MysqlDumpWriter({ vault: f.vault });
    const target = await createMysqlDatabase('sbrestore');
    created.push(target);

    // Act
    const result = await writer.write({ connection: source.connection, key: KEY, partSize: PART });

    // Assess: the stored object is what the result says
    const stored = await readObject(f.s3, f.resources.bucket, KEY);
    expect(result).toMatchObject({
      format: 'mysql-sql',
      toolName: 'mariadb-dump',
      storedBytes: stored.length,
      sha256: sha256(stored),
      object: { key: KEY, partCount: 1 },
    });
    expect(result.toolOptions).toContain('--single-transaction');
    const sql = await decompress(stored);
    expect(result.rawBytes).toBe(sql.length);
    expect(sql.toString()).not.toMatch(/CREATE DATABASE|^USE /m);

    // Assess: a tenant's own mariadb client loads it into another database name
    await mariadbLoad(sql, target.connection);
    const original = await mysqlFingerprints(source.name);
    expect(Object.keys(original)).toEqual(['audit', 'customers', 'empty_table', 'many', 'we`ird (name)']);
    expect(await mysqlFingerprints(target.name)).toEqual(original);
    const objects = await withMysql(target.name, async (conn) => {
      const [rows] = await conn.query(
        `select 'view' as kind, table_name as name from information_schema.views where table_schema = database()
         union all select 'trigger', trigger_name from information_schema.triggers where trigger_schema = database()
         union all select 'routine', routine_name from information_schema.routines where routine_schema = database()`,
      );
      return (rows as { kind: string; name: string }[]).map((r) => `${r.kind}:${r.name}`).sort();
    });
    expect(objects).toEqual([
      'routine:add_audits',
      'routine:add_customer',
      'trigger:customers_audit',
      'view:customer_names',
    ]);
  });

  it('reports per-table row counts, counted in the dump itself, equal to count(*) (views excluded)', async () => {
    // Prepare
    const writer = new MysqlDumpWriter({ vault: f.vault });

    // Act
    const result = await writer.write({ connection: source.connection, key: KEY, partSize: PART });

    // Assess
    const counted = Object.entries(await mysqlFingerprints(source.name)).map(([name, { rows }]) => ({ name, rows }));
    expect(result.tables).toEqual(counted);
    expect(result.tables).toContainEqual({ name: 'many', rows: 30000 });
    const sql = (await decompress(await readObject(f.s3, f.resources.bucket, KEY))).toString();
    expect(sql.match(/^INSERT INTO `many` VALUES/gm)?.length).toBeGreaterThan(1);
  });

  it('counts the same rows however the dump stream is split', async () => {
    // Prepare
    const writer = new MysqlDumpWriter({ vault: f.vault });
    const result = await writer.write({ connection: source.connection, key: KEY, partSize: PART });
    const sql = await decompress(await readObject(f.s3, f.resources.bucket, KEY));
    const expected = new Map(result.tables.map((t) => [t.name, t.rows]));

    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        // Act
        const scanner = new MysqlDumpScanner();
        for (let at = 0, i = 0; at < sql.length; i++) {
          const size = sizes[i % sizes.length] ?? 1;
          scanner.push(sql.subarray(at, at + size));
          at += size;
        }

        // Assess
        expect(new Map(scanner.end())).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('counts single-line INSERTs (MySQL’s mysqldump) and leaves statement shapes it does not know uncounted', () => {
    // Prepare: a hand-written dump in the format of MySQL's mysqldump, with traps in strings and a routine body
    const dump = [
      'LOCK TABLES `a` WRITE;',
      '/*!40000 ALTER TABLE `a` DISABLE KEYS */;',
      "INSERT INTO `a` VALUES (1,'x;y'),(2,'it\\'s (\\\\'),(3,NULL);",
      'INSERT INTO `a` VALUES (4,0x28293B);',
      '/*!40000 ALTER TABLE `a` ENABLE KEYS */;',
      'UNLOCK TABLES;',
      'LOCK TABLES `b` WRITE;',
      'INSERT INTO `b` (`id`) VALUES (1);',
      'UNLOCK TABLES;',
      'DELIMITER ;;',
      'CREATE PROCEDURE p() BEGIN',
      'INSERT INTO `a` VALUES (9),(9);',
      'END ;;',
      '',
    ].join('\n');
    const scanner = new MysqlDumpScanner();

    // Act
    scanner.push(Buffer.from(dump));
    const counts = scanner.end();

    // Assess
    expect(new Map(counts)).toEqual(
      new Map<string, number | undefined>([
        ['a', 4],
        ['b', undefined],
      ]),
    );
    const cut = new MysqlDumpScanner();
    cut.push(Buffer.from(dump.slice(0, dump.indexOf('(2,'))));
    expect(() => cut.end()).toThrow(/ended in the middle of an INSERT statement/);
  });

  it('describes the server version and the size of the database', async () => {
    // Prepare
    const writer = new MysqlDumpWriter({ vault: f.vault });
    const expected = await withMysql(source.name, async (conn) => {
      const [rows] = await conn.query(
        'select version() as v, (select sum(data_length + index_length) from information_schema.tables where table_schema = database()) as size',
      );
      return (rows as { v: string; size: string }[])[0];
    });

    // Act
    const info = await writer.describe(source.connection);

    // Assess
    expect(info.serverVersion).toBe(expected?.v);
    expect(info.sizeBytes).toBe(Number(expected?.size));
    expect(info.sizeBytes).toBeGreaterThan(0);
  });

  it('falls back to mysqldump when mariadb-dump is not installed', async () => {
    // Prepare
    const writer = new MysqlDumpWriter({ vault: f.vault, tools: ['/nonexistent/mariadb-dump', 'mysqldump'] });

    // Act
    const result = await writer.write({ connection: source.connection, key: KEY, partSize: PART });

    // Assess
    expect(result.toolName).toBe('mysqldump');
    expect((await decompress(await readObject(f.s3, f.resources.bucket, KEY))).toString()).toContain(
      'INSERT INTO `customers`',
    );
  });

  it('fails with the tool’s stderr (and not the password) when the password is wrong, leaving nothing', async () => {
    // Prepare
    const password = `wrong-${randomBytes(6).toString('hex')}`;
    const writer = new MysqlDumpWriter({ vault: f.vault });

    // Act
    const write = writer.write({ connection: { ...source.connection, password }, key: KEY, partSize: PART });

    // Assess
    const error = (await write.then(
      () => new Error('the dump succeeded'),
      (e: unknown) => e,
    )) as Error;
    expect(error.name).toBe('DumpFailedError');
    expect(error.message).toMatch(/Access denied for user/);
    expect(error.message).not.toContain(password);
    expect(await openUploads(f.s3, f.resources.bucket)).toEqual([]);
    expect(await allVersions(f.s3, f.resources.bucket)).toEqual([]);
  });
});
