/**
 * The MariaDB benchmark database: the same mix as pg-data.ts (random prose, JSON documents, incompressible blobs),
 * generated inside the server with INSERT … SELECT over the Sequence engine (seq_1_to_N), RAND() and RANDOM_BYTES.
 * Its size is what the product estimates from (information_schema data_length + index_length, after ANALYZE TABLE).
 * A database named strongbox_bench_my_<size> completed for that target (bench_meta) is reused.
 */
import mysql from 'mysql2/promise';
import type { DbServer } from '../testbed/index';
import type { BenchDatabase } from './pg-data';
import { GB, sizeLabel, WORDS } from './words';

export const MYSQL_TABLES = ['articles', 'events', 'attachments'] as const;

const WORD = `ELT(1 + FLOOR(RAND() * ${WORDS.length}), ${WORDS.map((w) => `'${w}'`).join(',')})`;
const words = (n: number) => `CONCAT_WS(' ', ${Array.from({ length: n }, () => WORD).join(', ')})`;
const randomBytes = (kib: number) => `CONCAT(${Array.from({ length: kib }, () => 'RANDOM_BYTES(1024)').join(', ')})`;
const item = `JSON_OBJECT('sku', MD5(RAND()), 'qty', FLOOR(RAND() * 10), 'price', ROUND(RAND() * 100, 2))`;
const ago = 'NOW() - INTERVAL FLOOR(RAND() * 86400000) SECOND';

const SCHEMA = [
  `create table articles (id bigint auto_increment primary key, title varchar(255) not null, author varchar(255),
     body mediumtext not null, ref char(32), created_at datetime not null)`,
  `create table events (id bigint auto_increment primary key, kind varchar(32) not null, payload json not null,
     at datetime not null)`,
  `create table attachments (id bigint auto_increment primary key, name varchar(255) not null, mime varchar(64),
     data mediumblob not null, sha char(64) not null)`,
  'create table bench_meta (target_bytes bigint not null, completed_at datetime not null)',
];

/** One batch: ≈ 90 MB of data, like a PostgreSQL batch (prose 45 %, JSON 25 %, random blobs 30 %). */
const BATCH = [
  `insert into articles (title, author, body, ref, created_at)
     select ${words(6)}, ${words(2)}, LEFT(${words(480)}, 400 + FLOOR(RAND() * 2600)), MD5(RAND()), ${ago}
       from seq_1_to_20000`,
  `insert into events (kind, payload, at)
     select ELT(1 + FLOOR(RAND() * 5), 'login', 'logout', 'purchase', 'view', 'refund'),
       JSON_OBJECT(
         'user', JSON_OBJECT('id', FLOOR(RAND() * 1000000), 'name', ${words(2)},
                             'email', CONCAT(MD5(RAND()), '@example.com')),
         'amount', ROUND(RAND() * 1000, 2), 'active', RAND() < 0.5,
         'tags', JSON_ARRAY(${words(1)}, ${words(1)}, ${words(1)}),
         'items', JSON_ARRAY(${item}, ${item}, ${item}, ${item}),
         'note', LEFT(${words(45)}, 20 + FLOOR(RAND() * 250))),
       ${ago}
       from seq_1_to_25000`,
  `insert into attachments (name, mime, data, sha)
     select name, mime, data, SHA2(data, 256) from (
       select CONCAT(MD5(RAND()), '.bin') as name,
              ELT(1 + FLOOR(RAND() * 3), 'image/png', 'application/pdf', 'application/octet-stream') as mime,
              LEFT(${randomBytes(8)}, 1024 * (1 + FLOOR(RAND() * 8))) as data
         from seq_1_to_4000) s`,
];

async function withConnection<T>(
  server: DbServer,
  database: string | undefined,
  work: (c: mysql.Connection) => Promise<T>,
): Promise<T> {
  const c = await mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    charset: 'utf8mb4',
    ...(database ? { database } : {}),
  });
  try {
    return await work(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** data_length + index_length after fresh statistics: the number the product's describe() reads. */
async function databaseSize(c: mysql.Connection): Promise<number> {
  await c.query(`analyze table ${MYSQL_TABLES.join(', ')}`);
  const [rows] = await c.query(
    `select coalesce(sum(data_length + index_length), 0) as size from information_schema.tables
      where table_schema = database()`,
  );
  return Number((rows as { size: string | number }[])[0]?.size ?? 0);
}

async function reusable(server: DbServer, name: string, target: number): Promise<number | undefined> {
  return withConnection(server, undefined, async (c) => {
    const [found] = await c.query('select 1 from information_schema.schemata where schema_name = ?', [name]);
    if ((found as unknown[]).length === 0) return undefined;
    await c.query(`use \`${name}\``);
    const meta = await c.query('select target_bytes from bench_meta').catch(() => [[]]);
    const recorded = Number((meta[0] as { target_bytes?: string | number }[])[0]?.target_bytes);
    if (recorded !== target) return undefined;
    const size = await databaseSize(c);
    return size >= target ? size : undefined;
  });
}

export async function ensureMysqlDatabase(
  server: DbServer,
  gb: number,
  log: (line: string) => void,
): Promise<BenchDatabase> {
  const name = `strongbox_bench_my_${sizeLabel(gb)}`;
  const target = Math.round(gb * GB);
  const existing = await reusable(server, name, target);
  if (existing !== undefined) {
    log(`reusing ${name} (${(existing / GB).toFixed(2)} GiB)`);
    return { name, sizeBytes: existing, tables: MYSQL_TABLES, generatedSeconds: 0 };
  }
  const started = performance.now();
  const sizeBytes = await withConnection(server, undefined, async (c) => {
    await c.query(`drop database if exists \`${name}\``);
    await c.query(`create database \`${name}\` character set utf8mb4`);
    await c.query(`use \`${name}\``);
    for (const statement of SCHEMA) await c.query(statement);
    let size = await databaseSize(c);
    while (size < target) {
      for (const statement of BATCH) await c.query(statement);
      size = await databaseSize(c);
      log(`generating ${name}: ${(size / GB).toFixed(2)} / ${gb} GiB`);
    }
    await c.query('insert into bench_meta values (?, now())', [target]);
    return size;
  });
  const generatedSeconds = (performance.now() - started) / 1000;
  log(`generated ${name}: ${(sizeBytes / GB).toFixed(2)} GiB in ${generatedSeconds.toFixed(0)} s`);
  return { name, sizeBytes, tables: MYSQL_TABLES, generatedSeconds };
}

export async function mysqlRowCounts(server: DbServer, name: string): Promise<Record<string, number>> {
  return withConnection(server, name, async (c) => {
    const counts: Record<string, number> = {};
    for (const table of MYSQL_TABLES) {
      const [rows] = await c.query(`select count(*) as n from ${table}`);
      counts[table] = Number((rows as { n: string | number }[])[0]?.n);
    }
    return counts;
  });
}
