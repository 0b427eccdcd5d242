import type { DumpFormat } from '../../domain/backup';
import { isSubset } from '../../domain/restore';
import { formatPgRestoreList, type PgTocEntry, parsePgRestoreListing } from '../../domain/restore-pg-toc';
import { type PgRestorePlan, planPgRestore } from '../../domain/restore-selection';
import type { DumpLoader, LoadRequest } from '../../ports/databases';
import {
  childEnvironment,
  createWorkspace,
  findExecutable,
  pgConnInfo,
  pgPassFile,
  startTool,
} from './restore-process';
import {
  chainFailure,
  checksumMismatch,
  isEarlyExitError,
  storedChecksum,
  streamIntoTool,
  toolFailed,
  toolFailure,
} from './restore-stream';

export interface PostgresDumpLoaderOptions {
  /** pg_restore to run; default: the first on PATH. */
  readonly pgRestorePath?: string;
  /** Parent of the private scratch directory (credentials, list file); default: the OS temp dir. */
  readonly tempDir?: string;
}

/**
 * Options every load uses. The target is a database Strongbox just created, owned by the restoring user:
 * --no-owner/--no-acl because the source's roles need not exist on the target server; --no-tablespaces for the
 * same reason; --no-subscriptions because a restored copy must never start replicating from the source's
 * publisher. --exit-on-error: the first failed statement fails the load.
 *
 * No --single-transaction, on purpose. It would make a failed load leave an empty database, but one transaction
 * holds a lock per restored table, index and partition until the end (large schemas exhaust the server's lock
 * table: max_locks_per_transaction × max_connections), and a restore that runs for hours would pin the xmin
 * horizon of the whole server — other tenants' databases on it could not be vacuumed meanwhile. Leaving nothing
 * behind is the caller's job instead: it created the target, and it drops it when the load fails.
 */
export const PG_RESTORE_OPTIONS = [
  '--no-owner',
  '--no-acl',
  '--no-tablespaces',
  '--no-subscriptions',
  '--exit-on-error',
];

/**
 * Loads a `pg_dump --format=custom` archive (stored zstd-compressed) into an existing, empty database with
 * pg_restore. Full restores stream the archive once. Subsets stream it twice: first into `pg_restore -l` to read
 * the table of contents (only the head of the object is read), then, with the computed list, into pg_restore.
 */
export class PostgresDumpLoader implements DumpLoader {
  readonly format: DumpFormat = 'pg-custom';

  constructor(private readonly options: PostgresDumpLoaderOptions = {}) {}

  async load(request: LoadRequest): Promise<void> {
    await this.restore(request);
  }

  /** Loads and returns the plan used for a subset (undefined for a full restore). */
  async restore(request: LoadRequest): Promise<PgRestorePlan | undefined> {
    const pgRestore = this.options.pgRestorePath ?? (await findExecutable(['pg_restore']));
    const workspace = await createWorkspace(this.options.tempDir);
    try {
      const passFile = await workspace.writePrivate('pgpass', pgPassFile(request.connection));
      const run = (args: readonly string[], captureStdout = false) =>
        startTool('pg_restore', pgRestore, args, {
          env: childEnvironment({ PGPASSFILE: passFile, HOME: workspace.dir }),
          cwd: workspace.dir,
          captureStdout,
        });
      let plan: PgRestorePlan | undefined;
      const args = [...PG_RESTORE_OPTIONS, `--dbname=${pgConnInfo(request.connection)}`];
      if (isSubset(request)) {
        const entries = await this.readTableOfContents(request, run);
        plan = planPgRestore(entries, { tables: request.tables, schemas: request.schemas });
        const listFile = await workspace.writePrivate('restore.list', formatPgRestoreList(entries, plan.entryIds));
        args.push(`--use-list=${listFile}`);
      }
      await this.loadArchive(request, run(args));
      return plan;
    } finally {
      await workspace.dispose();
    }
  }

  private async readTableOfContents(
    request: LoadRequest,
    run: (args: readonly string[], captureStdout?: boolean) => ReturnType<typeof startTool>,
  ): Promise<PgTocEntry[]> {
    const secrets = [request.connection.password];
    const tool = run(['--list', '--verbose'], true);
    const outcome = await streamIntoTool({
      open: request.open,
      expectedSha256: request.expectedSha256,
      tool,
      readAll: false,
    });
    if (toolFailed(outcome.exit)) {
      // An unreadable table of contents is most often a damaged object: say so when it is.
      const actual = await storedChecksum(request.open);
      if (actual !== request.expectedSha256) throw checksumMismatch(actual, request.expectedSha256);
      throw toolFailure('pg_restore --list', outcome.exit, secrets);
    }
    return parsePgRestoreListing(outcome.exit.stdout);
  }

  private async loadArchive(request: LoadRequest, tool: ReturnType<typeof startTool>): Promise<void> {
    const secrets = [request.connection.password];
    const outcome = await streamIntoTool({
      open: request.open,
      expectedSha256: request.expectedSha256,
      tool,
      readAll: true,
    });
    if (toolFailed(outcome.exit)) throw toolFailure('pg_restore', outcome.exit, secrets);
    if (outcome.chainError !== undefined && !isEarlyExitError(outcome.chainError)) {
      throw chainFailure(outcome.chainError, secrets);
    }
  }
}
