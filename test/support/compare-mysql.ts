/** MySQL/MariaDB half of compare.ts (see there): snapshots of one database, keyed without the database name. */
import mysql from 'mysql2/promise';
import type { DatabaseConnection } from '../../lambdas/ports/databases';
import { type Comparison, diffSnapshots, type Snapshot, type TableContent } from './compare';

export interface MysqlSnapshot extends Snapshot {
  readonly tables: Record<string, TableContent & { readonly autoIncrement: number | null; readonly options: string }>;
  readonly columns: Record<string, string[]>;
  readonly indexes: Record<string, string>;
  readonly foreignKeys: Record<string, string>;
  readonly checks: Record<string, string>;
  readonly views: Record<string, string>;
  readonly triggers: Record<string, string>;
  readonly routines: Record<string, string>;
  readonly events: Record<string, string>;
}

const quote = (name: string) => `\`${name.replace(/`/g, '``')}\``;
type Row = Record<string, unknown>;

async function rows(conn: mysql.Connection, sql: string, params: unknown[] = []): Promise<Row[]> {
  const [result] = await conn.query(sql, params);
  return result as Row[];
}

/** Rows of `sql` (with `?` = the database) as key → value, both built by the caller. */
async function pairs(
  conn: mysql.Connection,
  database: string,
  sql: string,
  entry: (row: Row) => [string, string],
): Promise<Record<string, string>> {
  const result = await rows(conn, sql, [database]);
  return Object.fromEntries(result.map(entry));
}

const text = (value: unknown) => (value === null || value === undefined ? 'NULL' : String(value));

async function tableContent(conn: mysql.Connection, database: string, table: string): Promise<TableContent> {
  const columns = await rows(
    conn,
    'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [database, table],
  );
  // QUOTE() gives every type an unambiguous text (NULL included); BINARY keeps mixed collations comparable.
  const row = columns.map(({ c }) => `CAST(QUOTE(${quote(String(c))}) AS BINARY)`).join(', ');
  const [result] = await rows(
    conn,
    `SELECT COUNT(*) AS n, MD5(GROUP_CONCAT(h ORDER BY h SEPARATOR '')) AS checksum
     FROM (SELECT MD5(CONCAT_WS(',', ${row})) AS h FROM ${quote(database)}.${quote(table)}) AS t`,
  );
  return { rows: Number(result?.n ?? 0), checksum: (result?.checksum as string | null) ?? null };
}

export async function snapshotMysql(connection: DatabaseConnection): Promise<MysqlSnapshot> {
  const conn = await mysql.createConnection({
    host: connection.host,
    port: connection.port,
    user: connection.username,
    password: connection.password,
    charset: 'utf8mb4',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  const db = connection.database;
  // The database name appears in view bodies (`db`.`t`); a copy under another name must compare equal.
  const strip = (value: unknown) =>
    text(value)
      .split(`${quote(db)}.`)
      .join('');
  try {
    await conn.query("SET SESSION group_concat_max_len = 1073741824, time_zone = '+00:00'");
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const tables: MysqlSnapshot['tables'] = {};
    const baseTables = await rows(
      conn,
      `SELECT TABLE_NAME AS name, AUTO_INCREMENT AS ai, CONCAT_WS(' ', ENGINE, TABLE_COLLATION, TABLE_COMMENT) AS options
       FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`,
      [db],
    );
    for (const table of baseTables) {
      const name = String(table.name);
      tables[name] = {
        ...(await tableContent(conn, db, name)),
        autoIncrement: table.ai === null ? null : Number(table.ai),
        options: text(table.options),
      };
    }
    const columns = await rows(
      conn,
      `SELECT TABLE_NAME AS t, CONCAT_WS(' ', COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, CONCAT('default=', COLUMN_DEFAULT),
              EXTRA, GENERATION_EXPRESSION, CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_COMMENT) AS c
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
      [db],
    );
    const byTable: Record<string, string[]> = {};
    for (const { t, c } of columns) byTable[String(t)] = [...(byTable[String(t)] ?? []), strip(c)];
    return {
      tables,
      columns: byTable,
      indexes: await pairs(
        conn,
        db,
        `SELECT TABLE_NAME AS t, INDEX_NAME AS i, CONCAT(IF(NON_UNIQUE = 0, 'unique ', ''), INDEX_TYPE, ' ',
                GROUP_CONCAT(CONCAT(COLUMN_NAME, COALESCE(CONCAT('(', SUB_PART, ')'), '')) ORDER BY SEQ_IN_INDEX)) AS d
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE, INDEX_TYPE`,
        (r) => [`${text(r.t)}.${text(r.i)}`, text(r.d)],
      ),
      foreignKeys: await pairs(
        conn,
        db,
        `SELECT r.TABLE_NAME AS t, r.CONSTRAINT_NAME AS n,
                CONCAT(GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION), ' -> ', r.REFERENCED_TABLE_NAME, '(',
                  GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION), ') on delete ', r.DELETE_RULE,
                  ' on update ', r.UPDATE_RULE) AS d
         FROM information_schema.REFERENTIAL_CONSTRAINTS r
         JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA
           AND k.CONSTRAINT_NAME = r.CONSTRAINT_NAME AND k.TABLE_NAME = r.TABLE_NAME
         WHERE r.CONSTRAINT_SCHEMA = ? GROUP BY r.TABLE_NAME, r.CONSTRAINT_NAME, r.REFERENCED_TABLE_NAME, r.DELETE_RULE, r.UPDATE_RULE`,
        (r) => [`${text(r.t)}.${text(r.n)}`, text(r.d)],
      ),
      checks: await pairs(
        conn,
        db,
        'SELECT TABLE_NAME AS t, CONSTRAINT_NAME AS n, CHECK_CLAUSE AS d FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?',
        (r) => [`${text(r.t)}.${text(r.n)}`, text(r.d)],
      ),
      views: await pairs(
        conn,
        db,
        'SELECT TABLE_NAME AS n, CONCAT_WS(" ", CHECK_OPTION, SECURITY_TYPE, VIEW_DEFINITION) AS d FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?',
        (r) => [text(r.n), strip(r.d)],
      ),
      triggers: await pairs(
        conn,
        db,
        `SELECT TRIGGER_NAME AS n, CONCAT_WS(' ', ACTION_TIMING, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_ORDER,
                ACTION_STATEMENT, SQL_MODE) AS d
         FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?`,
        (r) => [text(r.n), strip(r.d)],
      ),
      routines: await pairs(
        conn,
        db,
        `SELECT CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME) AS n, CONCAT_WS(' ', DTD_IDENTIFIER, IS_DETERMINISTIC, SQL_DATA_ACCESS,
                SECURITY_TYPE, ROUTINE_COMMENT, (SELECT GROUP_CONCAT(CONCAT_WS(' ', p.PARAMETER_MODE, p.PARAMETER_NAME, p.DTD_IDENTIFIER)
                  ORDER BY p.ORDINAL_POSITION) FROM information_schema.PARAMETERS p
                  WHERE p.SPECIFIC_SCHEMA = r.ROUTINE_SCHEMA AND p.SPECIFIC_NAME = r.SPECIFIC_NAME AND p.ORDINAL_POSITION > 0),
                ROUTINE_DEFINITION) AS d
         FROM information_schema.ROUTINES r WHERE ROUTINE_SCHEMA = ?`,
        (r) => [text(r.n), strip(r.d)],
      ),
      events: await pairs(
        conn,
        db,
        `SELECT EVENT_NAME AS n, CONCAT_WS(' ', EVENT_TYPE, EXECUTE_AT, INTERVAL_VALUE, INTERVAL_FIELD, STARTS, ENDS, STATUS,
                ON_COMPLETION, EVENT_COMMENT, EVENT_DEFINITION) AS d
         FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?`,
        (r) => [text(r.n), strip(r.d)],
      ),
    };
  } finally {
    await conn.end();
  }
}

export async function compareMysql(
  source: DatabaseConnection,
  target: DatabaseConnection,
): Promise<Comparison<MysqlSnapshot>> {
  const [a, b] = await Promise.all([snapshotMysql(source), snapshotMysql(target)]);
  return { source: a, target: b, differences: diffSnapshots(a, b) };
}
