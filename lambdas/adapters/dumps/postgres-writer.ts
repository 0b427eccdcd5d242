import { DumpFailedError, VaultError } from '../../domain/errors';
import type { DatabaseConnection, DumpRequest, DumpResult, DumpWriter, ServerInfo } from '../../ports/databases';
import type { Vault } from '../../ports/vault';
import { startTool, toolVersion } from './child-process';
import {
  CONNECT_TIMEOUT_SECONDS,
  checkConnectionArgs,
  driverFailure,
  libpqEnvironment,
  versionFromBanner,
} from './connection-args';
import { pgpassFile } from './credentials';
import { withPgSession } from './db-sessions';
import { PgArchiveInspector } from './pg-archive';
import { streamToVault } from './pipeline';
import { DUMP_ERRORS } from './tool-errors';

export interface PostgresDumpWriterOptions {
  readonly vault: Vault;
  /** pg_dump to run; default: `pg_dump` on PATH. */
  readonly pgDump?: string;
  readonly zstdLevel?: number;
  /** Seconds to wait for a connection (libpq PGCONNECT_TIMEOUT). */
  readonly connectTimeoutSeconds?: number;
}

/** What shows in pg_stat_activity while a dump runs (and how an operator finds it). */
export const DUMP_APPLICATION_NAME = 'strongbox-dump';

/**
 * pg_dump options, recorded in the manifest:
 * - custom format: what pg_restore reads, with table-level selection and a TOC Strongbox reads as it streams;
 * - --compress=0: Strongbox compresses (zstd) after counting rows, and compressing twice only costs CPU;
 * - --no-password: never prompt; the password comes from a 0600 PGPASSFILE;
 * - --lock-wait-timeout: fail after 2 minutes instead of waiting until the Lambda dies when a table is
 *   exclusively locked (e.g. a long ALTER TABLE).
 */
export const PG_DUMP_OPTIONS = ['--format=custom', '--compress=0', '--no-password', '--lock-wait-timeout=120000'];

export class PostgresDumpWriter implements DumpWriter {
  readonly format = 'pg-custom' as const;
  private readonly pgDump: string;
  private version: Promise<string> | undefined;

  constructor(private readonly options: PostgresDumpWriterOptions) {
    this.pgDump = options.pgDump ?? 'pg_dump';
  }

  async describe(connection: DatabaseConnection): Promise<ServerInfo> {
    const session = { applicationName: 'strongbox-describe', connectTimeoutMs: this.connectTimeoutSeconds * 1000 };
    try {
      return await withPgSession(connection, session, async (client) => {
        const result = await client.query<{ version: string; size: string }>(
          "select current_setting('server_version') as version, pg_database_size(current_database())::text as size",
        );
        const row = result.rows[0];
        return { serverVersion: row?.version ?? '', sizeBytes: Number(row?.size ?? 0) };
      });
    } catch (error) {
      throw driverFailure(
        `connecting to PostgreSQL at ${connection.host}:${connection.port}`,
        error,
        connection.password,
      );
    }
  }

  async write(request: DumpRequest): Promise<DumpResult> {
    const { connection, key, partSize } = request;
    checkConnectionArgs(connection);
    const version = await this.toolVersion();
    const credentials = await pgpassFile(connection.password, {
      username: connection.username,
      refuse: DUMP_ERRORS.refuse,
    });
    try {
      const tool = startTool({
        command: this.pgDump,
        args: [
          ...PG_DUMP_OPTIONS,
          `--host=${connection.host}`,
          `--port=${connection.port}`,
          `--username=${connection.username}`,
          `--dbname=${connection.database}`,
        ],
        env: libpqEnvironment({
          passFile: credentials.path,
          applicationName: DUMP_APPLICATION_NAME,
          connectTimeoutSeconds: this.connectTimeoutSeconds,
        }),
        cwd: credentials.dir,
        secrets: [connection.password],
        failure: DUMP_ERRORS.failure,
      });
      const archive = new PgArchiveInspector();
      const streamed = await streamToVault({
        tool,
        vault: this.options.vault,
        key,
        partSize,
        contentType: 'application/zstd',
        inspectors: [archive],
        ...(this.options.zstdLevel === undefined ? {} : { zstdLevel: this.options.zstdLevel }),
      });
      if (!archive.summary) {
        // Cannot happen (the inspector's flush sets it before the stream can end), but never keep an object
        // whose manifest would lie.
        await this.options.vault.removeAllVersions(key);
        throw new VaultError('the dump was stored but its table of contents was not read');
      }
      return {
        format: this.format,
        toolName: 'pg_dump',
        toolVersion: version,
        toolOptions: PG_DUMP_OPTIONS,
        rawBytes: streamed.rawBytes,
        storedBytes: streamed.storedBytes,
        sha256: streamed.sha256,
        object: streamed.object,
        tables: archive.summary.tables,
        partitioned: archive.summary.partitioned,
      };
    } finally {
      await credentials.remove();
    }
  }

  private get connectTimeoutSeconds(): number {
    return this.options.connectTimeoutSeconds ?? CONNECT_TIMEOUT_SECONDS;
  }

  private toolVersion(): Promise<string> {
    this.version ??= toolVersion(this.pgDump).then(versionFromBanner, (error: unknown) => {
      this.version = undefined;
      throw new DumpFailedError(`pg_dump is not available: ${error instanceof Error ? error.message : error}`);
    });
    return this.version;
  }
}
