import type mysql from 'mysql2/promise';
import { isStrongboxError, RestoreFailedError, RestoreTargetExistsError, ValidationError } from '../../domain/errors';
import { redact } from '../../domain/redact';
import type { DatabaseAdmin, DatabaseConnection } from '../../ports/databases';
import { withMysqlSession } from './db-sessions';

export interface MysqlAdminOptions {
  readonly connectTimeoutMs?: number;
}

const MAX_NAME_CHARS = 64;
const ER_DB_CREATE_EXISTS = 1007;
const ER_WRONG_DB_NAME = 1102;

export function quoteMysqlIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

function checkDatabaseName(name: string): void {
  const problem =
    name === ''
      ? 'must not be empty'
      : name.includes('\0')
        ? 'must not contain NUL characters'
        : [...name].length > MAX_NAME_CHARS
          ? `must be at most ${MAX_NAME_CHARS} characters long in MySQL`
          : /\s$/.test(name)
            ? 'must not end with a space in MySQL'
            : undefined;
  if (problem !== undefined) {
    throw new ValidationError(`database name ${JSON.stringify(name)} ${problem}`, [
      { path: 'target.database', message: problem },
    ]);
  }
}

/** Create, check and drop databases; count rows. Connects without a default database for create/drop. */
export class MysqlAdmin implements DatabaseAdmin {
  constructor(private readonly options: MysqlAdminOptions = {}) {}

  async databaseExists(server: DatabaseConnection, name: string): Promise<boolean> {
    checkDatabaseName(name);
    return this.withConnection(server, `check database ${name}`, async (conn) => {
      const [rows] = await conn.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
        name,
      ]);
      return (rows as unknown[]).length === 1;
    });
  }

  /** utf8mb4 by default: the dump's own CREATE TABLE statements carry each table's character set. */
  async createDatabase(server: DatabaseConnection, name: string): Promise<void> {
    checkDatabaseName(name);
    await this.withConnection(server, `create database ${name}`, async (conn) => {
      try {
        await conn.query(`CREATE DATABASE ${quoteMysqlIdentifier(name)} CHARACTER SET utf8mb4`);
      } catch (error) {
        if ((error as { errno?: number }).errno === ER_DB_CREATE_EXISTS) {
          throw new RestoreTargetExistsError(`database ${name} already exists`, { cause: error });
        }
        throw error;
      }
    });
  }

  async dropDatabase(server: DatabaseConnection, name: string): Promise<void> {
    checkDatabaseName(name);
    await this.withConnection(server, `drop database ${name}`, (conn) =>
      conn.query(`DROP DATABASE IF EXISTS ${quoteMysqlIdentifier(name)}`),
    );
  }

  /** Exact COUNT(*) of every base table of the database, keyed by table name, in one consistent snapshot. */
  async rowCounts(connection: DatabaseConnection): Promise<ReadonlyMap<string, number>> {
    return this.withConnection(connection, 'count rows', async (conn) => {
      await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      try {
        const [tables] = await conn.query(
          `SELECT TABLE_NAME AS name FROM information_schema.TABLES
           WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_NAME`,
          [connection.database],
        );
        const counts = new Map<string, number>();
        for (const { name } of tables as { name: string }[]) {
          const target = `${quoteMysqlIdentifier(connection.database)}.${quoteMysqlIdentifier(name)}`;
          const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM ${target}`);
          counts.set(name, Number((rows as { n: number | string }[])[0]?.n ?? 0));
        }
        return counts;
      } finally {
        await conn.query('ROLLBACK');
      }
    });
  }

  private async withConnection<T>(
    server: DatabaseConnection,
    action: string,
    work: (conn: mysql.Connection) => Promise<T>,
  ): Promise<T> {
    try {
      return await withMysqlSession(
        server,
        { useDatabase: false, connectTimeoutMs: this.options.connectTimeoutMs },
        work,
      );
    } catch (error) {
      if (isStrongboxError(error)) throw error;
      const message = redact((error as Error).message ?? String(error), [server.password]);
      if ((error as { errno?: number }).errno === ER_WRONG_DB_NAME) {
        throw new ValidationError(message, [{ path: 'target.database', message }]);
      }
      throw new RestoreFailedError(`could not ${action} on ${server.host}:${server.port}: ${message}`);
    }
  }
}
