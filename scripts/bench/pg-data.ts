/**
 * The PostgreSQL benchmark database: mixed random text, jsonb and bytea, generated inside the server with SQL
 * (generate_series, random(), jsonb_build_object, pgcrypto's gen_random_bytes) until pg_database_size reaches the
 * target. A database named strongbox_bench_pg_<size> whose bench_meta row says it was completed for that target is
 * reused as is, so only the first run pays for generation.
 */
import pg from 'pg';
import type { DbServer } from '../testbed/index';
import { GB, sizeLabel, WORDS } from './words';

export interface BenchDatabase {
  readonly name: string;
  readonly sizeBytes: number;
  readonly tables: readonly string[];
  /** Seconds spent generating it in this run (0 when reused). */
  readonly generatedSeconds: number;
}

export const PG_TABLES = ['articles', 'events', 'attachments'] as const;

const SCHEMA = `
  create extension if not exists pgcrypto;
  create extension if not exists pg_prewarm;
  create function bench_words(n int) returns text language sql volatile as $$
    select string_agg(w[1 + floor(random() * array_length(w, 1))::int], ' ')
      from (select string_to_array('${WORDS.join(' ')}', ' ') as w) v, generate_series(1, n)
  $$;
  create table articles (id bigserial primary key, title text not null, author text, body text not null,
                         ref text, created_at timestamptz not null);
  create table events (id bigserial primary key, kind text not null, payload jsonb not null, at timestamptz not null);
  create table attachments (id bigserial primary key, name text not null, mime text, data bytea not null,
                            sha bytea not null);
  create table bench_meta (target_bytes bigint not null, completed_at timestamptz not null);
`;

/** One batch: ≈ 65 MiB on disk, about 40 % text, 30 % jsonb, 30 % incompressible bytea. */
const BATCH = `
  insert into articles (title, author, body, ref, created_at)
    select initcap(bench_words(4 + (random() * 6)::int)), initcap(bench_words(2)),
           bench_words(80 + (random() * 400)::int), md5(random()::text), now() - random() * interval '1000 days'
      from generate_series(1, 20000) g;
  insert into events (kind, payload, at)
    select (array['login', 'logout', 'purchase', 'view', 'refund'])[1 + floor(random() * 5)::int],
      jsonb_build_object(
        'user', jsonb_build_object('id', (random() * 1e6)::int, 'name', initcap(bench_words(2)),
                                   'email', md5(random()::text) || '@example.com'),
        'amount', round((random() * 1000)::numeric, 2),
        'active', random() < 0.5,
        'tags', to_jsonb(string_to_array(bench_words(1 + (random() * 4)::int), ' ')),
        'items', (select jsonb_agg(jsonb_build_object('sku', md5(random()::text || i), 'qty', (random() * 10)::int,
                                                      'price', round((random() * 100)::numeric, 2)))
                    from generate_series(1, 1 + (random() * 6)::int + 0 * g) i),
        'note', bench_words(5 + (random() * 40)::int)),
      now() - random() * interval '1000 days'
      from generate_series(1, 25000) g;
  insert into attachments (name, mime, data, sha)
    select name, mime, data, sha256(data) from (
      select md5(random()::text) || '.bin' as name,
             (array['image/png', 'application/pdf', 'application/octet-stream'])[1 + floor(random() * 3)::int] as mime,
             (select string_agg(gen_random_bytes(1024), ''::bytea)
                from generate_series(1, 1 + (random() * 7)::int + 0 * g) i) as data
        from generate_series(1, 4000) g) s;
`;

function client(server: DbServer, database: string): pg.Client {
  const c = new pg.Client({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database,
  });
  c.on('error', () => undefined);
  return c;
}

async function withClient<T>(server: DbServer, database: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = client(server, database);
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function databaseSize(c: pg.Client): Promise<number> {
  const { rows } = await c.query<{ size: string }>('select pg_database_size(current_database())::text as size');
  return Number(rows[0]?.size);
}

/** Completed for this target, or undefined when missing or half-generated (then it is dropped and redone). */
async function reusable(server: DbServer, name: string, target: number): Promise<number | undefined> {
  const exists = await withClient(server, 'postgres', (c) =>
    c.query('select 1 from pg_database where datname = $1', [name]),
  );
  if (exists.rowCount === 0) return undefined;
  return withClient(server, name, async (c) => {
    const meta = await c
      .query<{ target: string }>('select target_bytes::text as target from bench_meta')
      .catch(() => ({ rows: [] as { target: string }[] }));
    const size = await databaseSize(c);
    return Number(meta.rows[0]?.target) === target && size >= target ? size : undefined;
  });
}

export async function ensurePgDatabase(
  server: DbServer,
  gb: number,
  log: (line: string) => void,
): Promise<BenchDatabase> {
  const name = `strongbox_bench_pg_${sizeLabel(gb)}`;
  const target = Math.round(gb * GB);
  const existing = await reusable(server, name, target);
  if (existing !== undefined) {
    log(`reusing ${name} (${(existing / GB).toFixed(2)} GiB)`);
    return { name, sizeBytes: existing, tables: PG_TABLES, generatedSeconds: 0 };
  }
  const started = performance.now();
  await withClient(server, 'postgres', async (c) => {
    await c.query(`drop database if exists ${name} with (force)`);
    await c.query(`create database ${name}`);
  });
  const sizeBytes = await withClient(server, name, async (c) => {
    await c.query('set synchronous_commit = off');
    await c.query(SCHEMA);
    let size = await databaseSize(c);
    while (size < target) {
      await c.query(BATCH);
      size = await databaseSize(c);
      log(`generating ${name}: ${(size / GB).toFixed(2)} / ${gb} GiB`);
    }
    // Hint bits and visibility map set now, so no measured dump pays for them; stats for the planner.
    await c.query('vacuum (freeze, analyze)');
    await c.query('checkpoint');
    size = await databaseSize(c);
    await c.query('insert into bench_meta values ($1, now())', [target]);
    return size;
  });
  const generatedSeconds = (performance.now() - started) / 1000;
  log(`generated ${name}: ${(sizeBytes / GB).toFixed(2)} GiB in ${generatedSeconds.toFixed(0)} s`);
  return { name, sizeBytes, tables: PG_TABLES, generatedSeconds };
}

/** Reads every relation of the database through the OS cache, so no variant pays for the first cold read. */
export async function prewarmPg(server: DbServer, name: string): Promise<void> {
  await withClient(server, name, (c) =>
    c.query(`select pg_prewarm(c.oid, 'read') from pg_class c join pg_namespace n on n.oid = c.relnamespace
              where n.nspname in ('public', 'pg_toast') and c.relkind in ('r', 't', 'i')`),
  );
}

export async function pgRowCounts(server: DbServer, name: string): Promise<Record<string, number>> {
  return withClient(server, name, async (c) => {
    const counts: Record<string, number> = {};
    for (const table of PG_TABLES) {
      const { rows } = await c.query<{ n: string }>(`select count(*)::text as n from ${table}`);
      counts[table] = Number(rows[0]?.n);
    }
    return counts;
  });
}
