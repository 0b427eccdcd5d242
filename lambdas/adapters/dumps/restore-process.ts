import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { RestoreFailedError } from '../../domain/errors';
import type { DatabaseConnection } from '../../ports/databases';

/**
 * What the restore side needs to run pg_restore / mariadb: a private scratch directory, credentials files, a
 * minimal child environment and a runner that keeps the stderr tail. Passwords only ever go into a 0600 file in
 * a 0700 directory — never argv, never the child's environment (which is built from scratch, so the Lambda's
 * AWS credentials and any PGPASSWORD/MYSQL_PWD of the parent do not leak into the tool either).
 * NOTE: the dump side has its own credentials/child-process modules; these can be merged later.
 */
export interface Workspace {
  readonly dir: string;
  /** Writes a file only the current user can read, failing if it exists. */
  writePrivate(name: string, content: string): Promise<string>;
  dispose(): Promise<void>;
}

export async function createWorkspace(parent = tmpdir()): Promise<Workspace> {
  // mkdtemp creates the directory with mode 0700.
  const dir = await mkdtemp(join(parent, 'strongbox-restore-'));
  return {
    dir,
    async writePrivate(name, content) {
      const path = join(dir, name);
      await writeFile(path, content, { mode: 0o600, flag: 'wx' });
      return path;
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

function refuseLineBreaks(value: string, what: string): void {
  if (/[\r\n]/.test(value)) {
    throw new RestoreFailedError(`the ${what} contains a line break and cannot be passed in a credentials file`);
  }
}

/** A ~/.pgpass line (`host:port:db:user:password`, `\` and `:` escaped) that matches only this user. */
export function pgPassFile(connection: DatabaseConnection): string {
  refuseLineBreaks(connection.password, 'password');
  refuseLineBreaks(connection.username, 'user name');
  const escaped = (value: string) => value.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  return `*:*:*:${escaped(connection.username)}:${escaped(connection.password)}\n`;
}

/** A libpq connection string without the password; values quoted, so no name is ever read as syntax. */
export function pgConnInfo(connection: DatabaseConnection, database = connection.database): string {
  const quote = (value: string | number) => `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const parts: Record<string, string | number> = {
    host: connection.host,
    port: connection.port,
    user: connection.username,
    dbname: database,
    application_name: 'strongbox-restore',
    connect_timeout: 15,
  };
  return Object.entries(parts)
    .map(([key, value]) => `${key}=${quote(value)}`)
    .join(' ');
}

/**
 * A MySQL/MariaDB option file. Values are double-quoted (so `#` is not a comment) with the escapes the
 * client's option parser understands (`\\`, `\"`, `\n`, `\r`, `\t`). protocol=TCP: "localhost" must not
 * silently switch to a local socket.
 */
export function mysqlOptionFile(connection: DatabaseConnection): string {
  const quote = (value: string | number) =>
    `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
  return [
    '[client]',
    `host=${quote(connection.host)}`,
    `port=${connection.port}`,
    `user=${quote(connection.username)}`,
    `password=${quote(connection.password)}`,
    'protocol=TCP',
    '',
  ].join('\n');
}

/** The child's whole environment: PATH to find the tool, a fixed locale, and what the caller adds. */
export function childEnvironment(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', ...extra };
}

/** The first of `names` found as an executable on PATH. */
export async function findExecutable(names: readonly string[]): Promise<string> {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      try {
        await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here; keep looking
      }
    }
  }
  throw new RestoreFailedError(`none of ${names.join(', ')} is installed on this worker`);
}

export interface ToolExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly stdout: string;
}

export interface RunningTool {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the process exited and its output streams closed; never rejects (spawn errors become code -1). */
  readonly exited: Promise<ToolExit>;
  kill(): void;
}

const STDERR_KEEP_BYTES = 64 * 1024;

/** Spawns a tool with stdin piped, keeping the last 64 KiB of stderr and (optionally) all of stdout. */
export function startTool(
  name: string,
  command: string,
  args: readonly string[],
  options: { env: Record<string, string>; cwd: string; captureStdout?: boolean },
): RunningTool {
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd,
    stdio: ['pipe', options.captureStdout ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = Buffer.alloc(0);
  const stdout: Buffer[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = Buffer.concat([stderr, chunk]);
    if (stderr.length > 2 * STDERR_KEEP_BYTES) stderr = stderr.subarray(stderr.length - STDERR_KEEP_BYTES);
  });
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  // The tool may exit before reading all of its input; the writer sees EPIPE and handles it.
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<ToolExit>((resolve) => {
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    child.once('close', (code, signal) => {
      const err = spawnError === undefined ? stderr.toString('utf8') : `${name} could not start: ${spawnError.message}`;
      resolve({
        code: spawnError === undefined ? code : -1,
        signal,
        stderr: err,
        stdout: Buffer.concat(stdout).toString('utf8'),
      });
    });
  });
  return {
    name,
    child,
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
