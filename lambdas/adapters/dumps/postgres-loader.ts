import { text } from 'node:stream/consumers';
import type { DumpFormat } from '../../domain/backup';
import { isSubset } from '../../domain/restore';
import { formatPgRestoreList, type PgTocEntry, parsePgRestoreListing } from '../../domain/restore-pg-toc';
import { type PgRestorePlan, planPgRestore } from '../../domain/restore-selection';
import type { DumpLoader, LoadRequest } from '../../ports/databases';
import { exitedOk, type RunningTool, requireTool, startTool } from './child-process';
import { libpqEnvironment, pgConnInfo } from './connection-args';
import { pgpassFile } from './credentials';
import { chainFailure, checksumMismatch, isEarlyExitError, storedChecksum, streamIntoTool } from './restore-stream';
import { RESTORE_ERRORS } from './tool-errors';

export interface PostgresDumpLoaderOptions {
  /** pg_restore to run; default: the first on PATH. */
  readonly pgRestorePath?: string;
  /** Parent of the private scratch directory (credentials, list file); default: the OS temp dir. */
  readonly tempDir?: string;
}

/** What shows in pg_stat_activity while a load runs. */
export const RESTORE_APPLICATION_NAME = 'strongbox-restore';

type Run = (args: readonly string[], options?: { label: string; stdout: 'pipe' }) => RunningTool;

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
    const { connection } = request;
    const pgRestore = this.options.pgRestorePath ?? (await requireTool(['pg_restore'], RESTORE_ERRORS.failure));
    const workspace = await pgpassFile(connection.password, {
      username: connection.username,
      parent: this.options.tempDir,
      refuse: RESTORE_ERRORS.refuse,
    });
    try {
      const env = {
        ...libpqEnvironment({ passFile: workspace.path, applicationName: RESTORE_APPLICATION_NAME }),
        HOME: workspace.dir,
      };
      const run: Run = (args, options) =>
        startTool({
          command: pgRestore,
          args,
          env,
          cwd: workspace.dir,
          stdin: 'pipe',
          stdout: options?.stdout ?? 'ignore',
          secrets: [connection.password],
          failure: RESTORE_ERRORS.failure,
          label: options?.label ?? 'pg_restore',
        });
      let plan: PgRestorePlan | undefined;
      const args = [...PG_RESTORE_OPTIONS, `--dbname=${pgConnInfo(connection)}`];
      if (isSubset(request)) {
        const entries = await this.readTableOfContents(request, run);
        plan = planPgRestore(entries, { tables: request.tables, schemas: request.schemas });
        const listFile = await workspace.writePrivate('restore.list', formatPgRestoreList(entries, plan.entryIds));
        args.push(`--use-list=${listFile}`);
      }
      await this.loadArchive(request, run(args));
      return plan;
    } finally {
      await workspace.remove();
    }
  }

  private async readTableOfContents(request: LoadRequest, run: Run): Promise<PgTocEntry[]> {
    const tool = run(['--list', '--verbose'], { label: 'pg_restore --list', stdout: 'pipe' });
    const listing = text(tool.stdout);
    listing.catch(() => undefined); // a failure below is reported instead
    const outcome = await streamIntoTool({ source: request, tool, readAll: false });
    if (!exitedOk(outcome.exit)) {
      // An unreadable table of contents is most often a damaged object: say so when it is.
      const actual = await storedChecksum(request);
      if (actual !== request.expectedSha256) throw checksumMismatch(actual, request.expectedSha256);
      await tool.wait();
    }
    return parsePgRestoreListing(await listing);
  }

  private async loadArchive(request: LoadRequest, tool: RunningTool): Promise<void> {
    const outcome = await streamIntoTool({ source: request, tool, readAll: true });
    await tool.wait();
    if (outcome.chainError !== undefined && !isEarlyExitError(outcome.chainError)) {
      throw chainFailure(outcome.chainError, [request.connection.password]);
    }
  }
}
