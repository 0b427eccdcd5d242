/**
 * What a restore must preserve, read from a live database: per-table row counts and order-independent content
 * checksums, plus the objects around the data (columns, constraints, indexes, views, triggers, routines,
 * sequence values, enum labels, extensions…). Two databases compare equal when their snapshots are equal, so a
 * test can write `expect((await comparePostgres(src, restored)).differences).toEqual([])`, or pick sections of
 * a snapshot for subsets. Names in snapshots never include the database name, so a copy compares equal.
 */
import pg from 'pg';
import type { DatabaseConnection } from '../../lambdas/ports/databases';

export interface TableContent {
  readonly rows: number;
  /** md5 over the sorted md5s of every row's text: equal iff the same multiset of rows. */
  readonly checksum: string | null;
}

export type Section = Record<string, unknown>;
export type Snapshot = Record<string, Section>;

export interface Comparison<S extends Snapshot> {
  readonly source: S;
  readonly target: S;
  /** One line per difference; empty when the databases are equal in everything the snapshot covers. */
  readonly differences: readonly string[];
}

export function diffSnapshots(source: Snapshot, target: Snapshot): string[] {
  const differences: string[] = [];
  for (const section of [...new Set([...Object.keys(source), ...Object.keys(target)])].sort()) {
    const a = source[section] ?? {};
    const b = target[section] ?? {};
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const left = JSON.stringify(a[key]);
      const right = JSON.stringify(b[key]);
      if (left === right) continue;
      if (left === undefined) differences.push(`${section} ${key}: only in target`);
      else if (right === undefined) differences.push(`${section} ${key}: only in source`);
      else differences.push(`${section} ${key}: ${left} ≠ ${right}`);
    }
  }
  return differences;
}

/** The same snapshot restricted to keys `keep` accepts (e.g. the tables a subset restored). */
export function pickKeys<S extends Snapshot>(snapshot: S, keep: (section: string, key: string) => boolean): S {
  const out: Snapshot = {};
  for (const [section, entries] of Object.entries(snapshot)) {
    out[section] = Object.fromEntries(Object.entries(entries).filter(([key]) => keep(section, key)));
  }
  return out as S;
}

// ---------------------------------------------------------------------------------------------- PostgreSQL

export interface PostgresSnapshot extends Snapshot {
  readonly schemas: Record<string, true>;
  readonly extensions: Record<string, string>;
  readonly enums: Record<string, string[]>;
  readonly tables: Record<string, TableContent>;
  readonly materializedViews: Record<string, TableContent & { readonly definition: string }>;
  readonly columns: Record<string, string[]>;
  readonly constraints: Record<string, string>;
  readonly indexes: Record<string, string>;
  readonly partitions: Record<string, string>;
  readonly views: Record<string, string>;
  readonly triggers: Record<string, string>;
  readonly functions: Record<string, string>;
  readonly sequences: Record<string, string>;
  readonly comments: Record<string, string>;
}

const userSchema = (column: string) => `${column} <> 'information_schema' AND ${column} NOT LIKE 'pg\\_%'`;
const PG_USER_NAMESPACE = userSchema('n.nspname');
const PG_NOT_EXTENSION_MEMBER = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

async function withPg<T>(connection: DatabaseConnection, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    user: connection.username,
    password: connection.password,
    database: connection.database,
  });
  await client.connect();
  try {
    // Text forms that do not depend on the session: the checksums hash row text.
    await client.query(
      "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; SET bytea_output = 'hex'",
    );
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return await work(client);
  } finally {
    await client.end();
  }
}

async function pgPairs(client: pg.Client, sql: string): Promise<Record<string, string>> {
  const result = await client.query<{ k: string; v: string }>(sql);
  return Object.fromEntries(result.rows.map((row) => [row.k, row.v]));
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function pgContent(client: pg.Client, schema: string, name: string): Promise<TableContent> {
  const result = await client.query<{ n: string; checksum: string | null }>(
    `SELECT count(*) AS n, md5(string_agg(h, '' ORDER BY h)) AS checksum
     FROM (SELECT md5(t::text) AS h FROM ONLY ${ident(schema)}.${ident(name)} AS t) AS rows`,
  );
  return { rows: Number(result.rows[0]?.n ?? 0), checksum: result.rows[0]?.checksum ?? null };
}

export async function snapshotPostgres(connection: DatabaseConnection): Promise<PostgresSnapshot> {
  return withPg(connection, async (client) => {
    const relations = await client.query<{ schema: string; name: string; kind: string; definition: string | null }>(
      `SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind,
              CASE WHEN c.relkind = 'm' THEN pg_get_viewdef(c.oid) END AS definition
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'm') AND ${PG_USER_NAMESPACE} AND ${PG_NOT_EXTENSION_MEMBER('pg_class', 'c.oid')}
       ORDER BY 1, 2`,
    );
    const tables: Record<string, TableContent> = {};
    const materializedViews: PostgresSnapshot['materializedViews'] = {};
    for (const relation of relations.rows) {
      const content = await pgContent(client, relation.schema, relation.name);
      const key = `${relation.schema}.${relation.name}`;
      if (relation.kind === 'r') tables[key] = content;
      else materializedViews[key] = { ...content, definition: relation.definition ?? '' };
    }
    const schemas = await pgPairs(
      client,
      `SELECT nspname AS k, 'true' AS v FROM pg_namespace n WHERE ${PG_USER_NAMESPACE}`,
    );
    const enums = await client.query<{ k: string; v: string[] }>(
      `SELECT n.nspname || '.' || t.typname AS k, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS v
       FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace
       GROUP BY 1`,
    );
    const columns = await client.query<{ k: string; v: string[] }>(
      `SELECT n.nspname || '.' || c.relname AS k,
              array_agg(concat_ws(' ', a.attname, format_type(a.atttypid, a.atttypmod),
                CASE WHEN a.attnotnull THEN 'not null' END,
                CASE WHEN a.attidentity <> '' THEN 'identity ' || a.attidentity::text END,
                CASE WHEN a.attgenerated <> '' THEN 'generated ' ELSE CASE WHEN ad.adbin IS NOT NULL THEN 'default ' END END
                  || pg_get_expr(ad.adbin, ad.adrelid)) ORDER BY a.attnum) AS v
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
       WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${PG_USER_NAMESPACE}
       GROUP BY 1`,
    );
    return {
      schemas: Object.fromEntries(Object.keys(schemas).map((name) => [name, true as const])),
      extensions: await pgPairs(client, 'SELECT extname AS k, extversion AS v FROM pg_extension'),
      enums: Object.fromEntries(enums.rows.map((row) => [row.k, row.v])),
      tables,
      materializedViews,
      columns: Object.fromEntries(columns.rows.map((row) => [row.k, row.v])),
      constraints: await pgPairs(
        client,
        `SELECT n.nspname || '.' || coalesce(c.relname, t.typname) || '.' || con.conname AS k,
                con.contype::text || ' ' || pg_get_constraintdef(con.oid) AS v
         FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
         LEFT JOIN pg_class c ON c.oid = con.conrelid LEFT JOIN pg_type t ON t.oid = con.contypid
         WHERE ${PG_USER_NAMESPACE}`,
      ),
      indexes: await pgPairs(
        client,
        `SELECT schemaname || '.' || indexname AS k, indexdef AS v FROM pg_indexes WHERE ${userSchema('schemaname')}`,
      ),
      partitions: await pgPairs(
        client,
        `SELECT n.nspname || '.' || c.relname AS k, pn.nspname || '.' || p.relname || ' ' || pg_get_expr(c.relpartbound, c.oid) AS v
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
         WHERE c.relispartition AND c.relkind IN ('r', 'p') AND ${PG_USER_NAMESPACE}`,
      ),
      views: await pgPairs(
        client,
        `SELECT schemaname || '.' || viewname AS k, definition AS v FROM pg_views WHERE ${userSchema('schemaname')}`,
      ),
      triggers: await pgPairs(
        client,
        `SELECT n.nspname || '.' || c.relname || '.' || t.tgname AS k, pg_get_triggerdef(t.oid) AS v
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE NOT t.tgisinternal AND ${PG_USER_NAMESPACE}`,
      ),
      functions: await pgPairs(
        client,
        `SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS k,
                CASE WHEN p.prokind IN ('f', 'p') THEN md5(pg_get_functiondef(p.oid)) ELSE p.prokind::text || md5(p.prosrc) END AS v
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE ${PG_USER_NAMESPACE} AND ${PG_NOT_EXTENSION_MEMBER('pg_proc', 'p.oid')}`,
      ),
      sequences: await pgSequences(client),
      comments: await pgPairs(
        client,
        `SELECT n.nspname || '.' || c.relname || coalesce('.' || a.attname, '') AS k, d.description AS v
         FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
         WHERE ${PG_USER_NAMESPACE}`,
      ),
    };
  });
}

/** Every sequence's definition and state (last value and whether it was used), extension members aside. */
async function pgSequences(client: pg.Client): Promise<Record<string, string>> {
  const sequences = await client.query<{ schema: string; name: string; definition: string }>(
    `SELECT n.nspname AS schema, c.relname AS name,
            concat_ws(' ', format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle) AS definition
     FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${PG_USER_NAMESPACE} AND ${PG_NOT_EXTENSION_MEMBER('pg_class', 'c.oid')}`,
  );
  const out: Record<string, string> = {};
  for (const { schema, name, definition } of sequences.rows) {
    const state = await client.query<{ last_value: string; is_called: boolean }>(
      `SELECT last_value, is_called FROM ${ident(schema)}.${ident(name)}`,
    );
    const row = state.rows[0];
    out[`${schema}.${name}`] = `${definition} last=${row?.last_value} called=${row?.is_called}`;
  }
  return out;
}

export async function comparePostgres(
  source: DatabaseConnection,
  target: DatabaseConnection,
): Promise<Comparison<PostgresSnapshot>> {
  const [a, b] = await Promise.all([snapshotPostgres(source), snapshotPostgres(target)]);
  return { source: a, target: b, differences: diffSnapshots(a, b) };
}

export { compareMysql, type MysqlSnapshot, snapshotMysql } from './compare-mysql';
