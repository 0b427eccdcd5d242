/**
 * Short driver sessions for what the command-line tools do not do (describe a server, list tables, create and drop
 * databases, count rows), for the dump writers and the restore admins alike.
 *
 * API: `withPgSession(connection, options, work)` and `withMysqlSession(connection, options, work)` connect with
 * the connection's credentials (the password stays in this process), run `work`, and always close. Both use a
 * connect timeout (default CONNECT_TIMEOUT_SECONDS); PostgreSQL sessions carry an application_name so that an
 * operator can find them in pg_stat_activity. A server-side disconnect never becomes an unhandled 'error' event.
 * Driver errors pass through untouched: each caller maps them to its side's error, without the password.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { DatabaseConnection } from '../../ports/databases';
import { CONNECT_TIMEOUT_SECONDS } from './connection-args';

export interface PgSessionOptions {
  /** Default: the connection's own database. */
  readonly database?: string;
  readonly applicationName: string;
  readonly connectTimeoutMs?: number;
}

export async function withPgSession<T>(
  connection: DatabaseConnection,
  options: PgSessionOptions,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    user: connection.username,
    password: connection.password,
    database: options.database ?? connection.database,
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_SECONDS * 1000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface MysqlSessionOptions {
  /** Connect without a default database (create/drop) unless true. */
  readonly useDatabase: boolean;
  readonly connectTimeoutMs?: number;
}

export async function withMysqlSession<T>(
  connection: DatabaseConnection,
  options: MysqlSessionOptions,
  work: (conn: mysql.Connection) => Promise<T>,
): Promise<T> {
  const conn = await mysql.createConnection({
    host: connection.host,
    port: connection.port,
    user: connection.username,
    password: connection.password,
    ...(options.useDatabase ? { database: connection.database } : {}),
    charset: 'utf8mb4',
    connectTimeout: options.connectTimeoutMs ?? CONNECT_TIMEOUT_SECONDS * 1000,
    multipleStatements: false,
    // Counts and sizes beyond 2^53 arrive as strings rather than wrong numbers.
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  conn.on('error', () => undefined);
  try {
    return await work(conn);
  } finally {
    await conn.end().catch(() => undefined);
  }
}
