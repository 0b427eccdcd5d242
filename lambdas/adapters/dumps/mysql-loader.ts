import type { DumpFormat } from '../../domain/backup';
import { ValidationError } from '../../domain/errors';
import type { DumpLoader, LoadRequest } from '../../ports/databases';
import { MysqlDumpFilterStream } from './restore-mysql-filter';
import { childEnvironment, createWorkspace, findExecutable, mysqlOptionFile, startTool } from './restore-process';
import { chainFailure, streamIntoTool, toolFailed, toolFailure } from './restore-stream';

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
    const client = this.options.clientPath ?? (await findExecutable(['mariadb', 'mysql']));
    const workspace = await createWorkspace(this.options.tempDir);
    const secrets = [request.connection.password];
    try {
      const optionFile = await workspace.writePrivate('client.cnf', mysqlOptionFile(request.connection));
      const tool = startTool(
        'mariadb',
        client,
        [
          // Must come first: the client only honours --defaults-extra-file as its first argument.
          `--defaults-extra-file=${optionFile}`,
          '--binary-mode',
          '--default-character-set=utf8mb4',
          // A row holding a large BLOB is one statement; the client's 16 MiB default would refuse it.
          '--max-allowed-packet=1G',
          '--connect-timeout=15',
          `--database=${request.connection.database}`,
        ],
        // HOME points at the workspace so that no ~/.my.cnf of the worker overrides the option file.
        { env: childEnvironment({ HOME: workspace.dir }), cwd: workspace.dir },
      );
      const filter = new MysqlDumpFilterStream({
        stripDefiners: true,
        ...(request.tables.length > 0 ? { tables: request.tables } : {}),
      });
      const outcome = await streamIntoTool({
        open: request.open,
        expectedSha256: request.expectedSha256,
        tool,
        transforms: [filter],
        readAll: true,
      });
      // A selection naming what the dump does not hold is the clearest explanation, whatever else failed.
      if (outcome.chainError instanceof ValidationError) throw outcome.chainError;
      if (toolFailed(outcome.exit)) throw toolFailure('mariadb', outcome.exit, secrets, errorLines);
      // The client reads to the end of its input, so even an early close of its stdin is a failure here.
      if (outcome.chainError !== undefined) throw chainFailure(outcome.chainError, secrets);
    } finally {
      await workspace.dispose();
    }
  }
}
