import type pg from 'pg';
import { isStrongboxError, RestoreFailedError, RestoreTargetExistsError, ValidationError } from '../../domain/errors';
import { redact } from '../../domain/redact';
import type { DatabaseAdmin, DatabaseConnection } from '../../ports/databases';
import { withPgSession } from './db-sessions';

export interface PostgresAdminOptions {
  /** Database to connect to for CREATE/DROP DATABASE; default `postgres` (the source's own as a fallback). */
  readonly maintenanceDatabase?: string;
  readonly connectTimeoutMs?: number;
}

/** PostgreSQL silently truncates longer names, which would make `databaseExists` lie about what was created. */
const MAX_IDENTIFIER_BYTES = 63;

export function quotePgIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function checkDatabaseName(name: string): void {
  const problem =
    name === ''
      ? 'must not be empty'
      : name.includes('\0')
        ? 'must not contain NUL characters'
        : Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES
          ? `must be at most ${MAX_IDENTIFIER_BYTES} bytes long in PostgreSQL`
          : undefined;
  if (problem !== undefined) {
    throw new ValidationError(`database name ${JSON.stringify(name)} ${problem}`, [
      { path: 'target.database', message: problem },
    ]);
  }
}

/** Tables whose rows pg_dump writes as TABLE DATA: ordinary tables and leaf partitions, not extension members. */
const USER_TABLES_SQL = `
  SELECT n.nspname AS schema, c.relname AS name
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r'
    AND c.relpersistence <> 't'
    AND n.nspname <> 'information_schema'
    AND n.nspname NOT LIKE 'pg\\_%'
    AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
    )
  ORDER BY 1, 2`;

/** Create, check and drop databases; count rows. Connects with the given (source) credentials. */
export class PostgresAdmin implements DatabaseAdmin {
  constructor(private readonly options: PostgresAdminOptions = {}) {}

  async databaseExists(server: DatabaseConnection, name: string): Promise<boolean> {
    checkDatabaseName(name);
    return this.withMaintenance(server, `check database ${name}`, async (client) => {
      const result = await client.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [name]);
      return result.rowCount === 1;
    });
  }

  /** Creates an empty database from template0, so nothing added to template1 meets the restore. */
  async createDatabase(server: DatabaseConnection, name: string): Promise<void> {
    checkDatabaseName(name);
    await this.withMaintenance(server, `create database ${name}`, async (client) => {
      try {
        await client.query(`CREATE DATABASE ${quotePgIdentifier(name)} TEMPLATE template0`);
      } catch (error) {
        if ((error as { code?: string }).code === '42P04') {
          throw new RestoreTargetExistsError(`database ${name} already exists`, { cause: error });
        }
        throw error;
      }
    });
  }

  /** Drops the database if it exists, disconnecting its sessions. */
  async dropDatabase(server: DatabaseConnection, name: string): Promise<void> {
    checkDatabaseName(name);
    await this.withMaintenance(server, `drop database ${name}`, (client) =>
      client.query(`DROP DATABASE IF EXISTS ${quotePgIdentifier(name)} WITH (FORCE)`),
    );
  }

  /**
   * Exact `count(*)` of every table pg_dump writes rows for, keyed `schema.table`: leaf partitions and ordinary
   * tables (a partitioned parent holds no rows of its own; `ONLY` keeps inheritance parents from counting their
   * children twice). Counted in one read-only snapshot.
   */
  async rowCounts(connection: DatabaseConnection): Promise<ReadonlyMap<string, number>> {
    return this.withClient(connection, connection.database, 'count rows', async (client) => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const tables = await client.query<{ schema: string; name: string }>(USER_TABLES_SQL);
        const counts = new Map<string, number>();
        for (const { schema, name } of tables.rows) {
          const target = `${quotePgIdentifier(schema)}.${quotePgIdentifier(name)}`;
          const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ONLY ${target}`);
          counts.set(`${schema}.${name}`, Number(result.rows[0]?.n ?? 0));
        }
        return counts;
      } finally {
        await client.query('ROLLBACK');
      }
    });
  }

  private async withMaintenance<T>(
    server: DatabaseConnection,
    action: string,
    work: (client: pg.Client) => Promise<T>,
  ): Promise<T> {
    const maintenance = this.options.maintenanceDatabase ?? 'postgres';
    try {
      return await this.withClient(server, maintenance, action, work, true);
    } catch (error) {
      // Some managed servers have no `postgres` database for the user; the source's own database will do.
      if (rawCode(error) !== '3D000' || server.database === maintenance) throw this.wrap(error, server, action);
      return this.withClient(server, server.database, action, work);
    }
  }

  private async withClient<T>(
    connection: DatabaseConnection,
    database: string,
    action: string,
    work: (client: pg.Client) => Promise<T>,
    rawErrors = false,
  ): Promise<T> {
    const session = { database, applicationName: 'strongbox-admin', connectTimeoutMs: this.options.connectTimeoutMs };
    try {
      return await withPgSession(connection, session, work);
    } catch (error) {
      if (rawErrors) throw error;
      throw this.wrap(error, connection, action);
    }
  }

  private wrap(error: unknown, connection: DatabaseConnection, action: string): Error {
    if (isStrongboxError(error)) return error;
    const message = redact((error as Error).message ?? String(error), [connection.password]);
    return new RestoreFailedError(`could not ${action} on ${connection.host}:${connection.port}: ${message}`);
  }
}

function rawCode(error: unknown): string | undefined {
  return (error as { code?: string } | undefined)?.code;
}
