import type mysql from 'mysql2/promise';
import { DumpFailedError } from '../../domain/errors';
import type { ManifestTable } from '../../domain/manifest';
import type { DatabaseConnection, DumpRequest, DumpResult, DumpWriter, ServerInfo } from '../../ports/databases';
import type { Vault } from '../../ports/vault';
import { requireTool, startTool, toolVersion } from './child-process';
import { CONNECT_TIMEOUT_SECONDS, checkConnectionArgs, driverFailure, versionFromBanner } from './connection-args';
import { mysqlOptionFile } from './credentials';
import { withMysqlSession } from './db-sessions';
import { MysqlDumpInspector } from './mysql-dump-scanner';
import { streamToVault } from './pipeline';
import { DUMP_ERRORS } from './tool-errors';

export interface MysqlDumpWriterOptions {
  readonly vault: Vault;
  /** Dump tools to try, in order; default mariadb-dump, then mysqldump. */
  readonly tools?: readonly string[];
  readonly zstdLevel?: number;
  /** For describe/listing (mysql2); the dump tools have no such option and use the OS's TCP timeout. */
  readonly connectTimeoutSeconds?: number;
}

/**
 * mariadb-dump / mysqldump options, recorded in the manifest:
 * - --single-transaction: one consistent snapshot (REPEATABLE READ) without locking InnoDB tables (R4);
 * - --quick: stream rows one at a time instead of buffering whole tables in the tool's memory;
 * - --routines, --triggers, --events: stored procedures/functions, triggers and scheduled events go with the data;
 * - --hex-blob: binary columns as hex literals, safe whatever the connection character set;
 * - --default-character-set=utf8mb4: all of Unicode, no mojibake;
 * - --no-tablespaces: no tablespace statements (MySQL ≥ 8.0.21 wants the PROCESS privilege for them, which tenant
 *   users rarely have, and a restore into another server has no use for them).
 * The database is named without --databases, so the dump has no CREATE DATABASE/USE and restores into any name.
 */
export const MYSQL_DUMP_OPTIONS = [
  '--single-transaction',
  '--quick',
  '--routines',
  '--triggers',
  '--events',
  '--hex-blob',
  '--default-character-set=utf8mb4',
  '--no-tablespaces',
];

const DEFAULT_TOOLS = ['mariadb-dump', 'mysqldump'];

/**
 * Dumps MySQL/MariaDB databases. The manifest lists the base tables from information_schema, read just before
 * the dump starts, with the rows counted in the dump as it streams (mysql-dump-scanner.ts). information_schema's
 * TABLE_ROWS is only an estimate for InnoDB, and a count in another session would not see the dump's snapshot;
 * a table without a countable data section in the dump (e.g. created after the listing) keeps rows undefined.
 */
export class MysqlDumpWriter implements DumpWriter {
  readonly format = 'mysql-sql' as const;
  private tool: Promise<{ path: string; name: string; version: string }> | undefined;

  constructor(private readonly options: MysqlDumpWriterOptions) {}

  async describe(connection: DatabaseConnection): Promise<ServerInfo> {
    return this.withConnection(connection, 'describing', async (conn) => {
      const [rows] = await conn.query(
        `select version() as version,
                (select coalesce(sum(data_length + index_length), 0) from information_schema.tables
                  where table_schema = database()) as size`,
      );
      const row = (rows as { version: string; size: string | number }[])[0];
      return { serverVersion: row?.version ?? '', sizeBytes: Number(row?.size ?? 0) };
    });
  }

  async write(request: DumpRequest): Promise<DumpResult> {
    const { connection, key, partSize } = request;
    checkConnectionArgs(connection);
    const tool = await this.resolve();
    const tables = await this.baseTables(connection);
    const credentials = await mysqlOptionFile(connection.password, { refuse: DUMP_ERRORS.refuse });
    try {
      const running = startTool({
        command: tool.path,
        args: [
          // The tools only honour --defaults-extra-file as their first argument.
          `--defaults-extra-file=${credentials.path}`,
          '--protocol=TCP',
          `--host=${connection.host}`,
          `--port=${connection.port}`,
          `--user=${connection.username}`,
          ...MYSQL_DUMP_OPTIONS,
          connection.database,
        ],
        cwd: credentials.dir,
        secrets: [connection.password],
        label: tool.name,
        failure: DUMP_ERRORS.failure,
      });
      const rows = new MysqlDumpInspector();
      const streamed = await streamToVault({
        tool: running,
        vault: this.options.vault,
        key,
        partSize,
        contentType: 'application/zstd',
        inspectors: [rows],
        ...(this.options.zstdLevel === undefined ? {} : { zstdLevel: this.options.zstdLevel }),
      });
      return {
        format: this.format,
        toolName: tool.name,
        toolVersion: tool.version,
        toolOptions: MYSQL_DUMP_OPTIONS,
        rawBytes: streamed.rawBytes,
        storedBytes: streamed.storedBytes,
        sha256: streamed.sha256,
        object: streamed.object,
        tables: tables.map((table) => {
          const counted = rows.counts?.get(table.name);
          return counted === undefined ? table : { ...table, rows: counted };
        }),
      };
    } finally {
      await credentials.remove();
    }
  }

  private baseTables(connection: DatabaseConnection): Promise<ManifestTable[]> {
    return this.withConnection(connection, 'listing the tables of', async (conn) => {
      const [rows] = await conn.query(
        `select table_name as name from information_schema.tables
          where table_schema = database() and table_type = 'BASE TABLE' order by table_name`,
      );
      return (rows as { name: string }[]).map(({ name }) => ({ name }));
    });
  }

  private async withConnection<T>(
    connection: DatabaseConnection,
    action: string,
    work: (conn: mysql.Connection) => Promise<T>,
  ): Promise<T> {
    const connectTimeoutMs = (this.options.connectTimeoutSeconds ?? CONNECT_TIMEOUT_SECONDS) * 1000;
    try {
      return await withMysqlSession(connection, { useDatabase: true, connectTimeoutMs }, work);
    } catch (error) {
      throw driverFailure(`${action} MySQL at ${connection.host}:${connection.port}`, error, connection.password);
    }
  }

  private resolve(): Promise<{ path: string; name: string; version: string }> {
    this.tool ??= (async () => {
      const path = await requireTool(this.options.tools ?? DEFAULT_TOOLS, DUMP_ERRORS.failure);
      const name = path.split('/').pop() ?? path;
      return { path, name, version: versionFromBanner(await toolVersion(path)) };
    })().catch((error: unknown) => {
      this.tool = undefined;
      throw error instanceof DumpFailedError ? error : new DumpFailedError(`the dump tool failed to start: ${error}`);
    });
    return this.tool;
  }
}
