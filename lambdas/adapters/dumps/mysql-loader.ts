import type { DumpFormat } from '../../domain/backup';
import { ValidationError } from '../../domain/errors';
import type { DumpLoader, LoadRequest } from '../../ports/databases';
import { requireTool, startTool } from './child-process';
import { CONNECT_TIMEOUT_SECONDS } from './connection-args';
import { mysqlOptionFile } from './credentials';
import { MysqlDumpFilterStream } from './restore-mysql-filter';
import { chainFailure, streamIntoTool } from './restore-stream';
import { RESTORE_ERRORS } from './tool-errors';

/**
 * The client echoes a failing statement before its ERROR line; for an INSERT that is a screenful of the
 * tenant's rows, which has no place in an error message. Keep the ERROR lines when there are any.
 */
function errorLines(stderr: string): string {
  const errors = stderr.split('\n').filter((line) => /^ERROR \d+/.test(line));
  return errors.length > 0 ? errors.join('\n') : stderr;
}

export interface MysqlDumpLoaderOptions {
  /** Client to run; default: `mariadb`, else `mysql`, from PATH. */
  readonly clientPath?: string;
  /** Parent of the private scratch directory (the option file); default: the OS temp dir. */
  readonly tempDir?: string;
}

/**
 * Loads a `mariadb-dump` SQL dump (stored zstd-compressed) into an existing, empty database with the mariadb
 * client. The dump always passes through MysqlDumpFilterStream: it removes DEFINER clauses (objects then belong
 * to the restoring user, who may not hold SUPER/SET USER) and, for a table subset, keeps only what was asked
 * (see lambdas/domain/mysql-dump-sections.ts). The client stops at the first failing statement.
 *
 * Like the PostgreSQL loader, a failed load can leave part of the dump behind (DDL commits implicitly in MySQL,
 * so no single transaction could prevent it): the caller drops the database it created.
 */
export class MysqlDumpLoader implements DumpLoader {
  readonly format: DumpFormat = 'mysql-sql';

  constructor(private readonly options: MysqlDumpLoaderOptions = {}) {}

  async load(request: LoadRequest): Promise<void> {
    if (request.schemas.length > 0) {
      throw new ValidationError('MySQL backups have no schemas to select; name tables instead', [
        { path: 'schemas', message: 'not supported for MySQL/MariaDB backups' },
      ]);
    }
    const { connection } = request;
    const client = this.options.clientPath ?? (await requireTool(['mariadb', 'mysql'], RESTORE_ERRORS.failure));
    const workspace = await mysqlOptionFile(connection.password, {
      username: connection.username,
      host: connection.host,
      port: connection.port,
      parent: this.options.tempDir,
      refuse: RESTORE_ERRORS.refuse,
    });
    try {
      const tool = startTool({
        command: client,
        args: [
          // Must come first: the client only honours --defaults-extra-file as its first argument.
          `--defaults-extra-file=${workspace.path}`,
          '--binary-mode',
          '--default-character-set=utf8mb4',
          // A row holding a large BLOB is one statement; the client's 16 MiB default would refuse it.
          '--max-allowed-packet=1G',
          `--connect-timeout=${CONNECT_TIMEOUT_SECONDS}`,
          `--database=${connection.database}`,
        ],
        // HOME points at the workspace so that no ~/.my.cnf of the worker overrides the option file.
        env: { HOME: workspace.dir },
        cwd: workspace.dir,
        stdin: 'pipe',
        stdout: 'ignore',
        secrets: [connection.password],
        failure: RESTORE_ERRORS.failure,
        focus: errorLines,
        label: 'mariadb',
      });
      const filter = new MysqlDumpFilterStream({
        stripDefiners: true,
        ...(request.tables.length > 0 ? { tables: request.tables } : {}),
      });
      const outcome = await streamIntoTool({ source: request, tool, transforms: [filter], readAll: true });
      // A selection naming what the dump does not hold is the clearest explanation, whatever else failed.
      if (outcome.chainError instanceof ValidationError) throw outcome.chainError;
      await tool.wait();
      // The client reads to the end of its input, so even an early close of its stdin is a failure here.
      if (outcome.chainError !== undefined) throw chainFailure(outcome.chainError, [connection.password]);
    } finally {
      await workspace.remove();
    }
  }
}
