/**
 * Private workspaces and credentials files for database tools (DESIGN.md R16: never a password in argv or in a
 * child's environment). Used by the dump writers and the restore loaders alike.
 *
 * API:
 * - `createWorkspace(parent?)` → a fresh private directory (0700) under the OS temp dir: `writePrivate(name,
 *   content)` adds a file only this user can read (0600, created exclusively); `remove()` deletes it all, is
 *   idempotent and never throws, so it belongs in a `finally`. A tool runs with its cwd (and HOME, on the restore
 *   side) there, so whatever it writes goes with it.
 * - `pgpassFile(password, options)` / `mysqlOptionFile(password, options)` → a workspace holding one PGPASSFILE /
 *   `--defaults-extra-file` (give that one FIRST: the MariaDB tools only honour it there), at `.path`.
 * - `pgpassContents` / `mysqlOptionContents`: the file formats. A value with a line break or NUL cannot be written
 *   in either: `options.refuse` builds the error (ValidationError by default; each side passes its own).
 * - `sweepStaleWorkspaces()` removes this user's workspaces older than an hour; it runs once when this module
 *   loads (`startupSweep`), because a Lambda killed by its timeout never reaches its `finally` and a warm
 *   container keeps /tmp.
 */
import { chmod, lstat, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../domain/errors';

export interface Workspace {
  readonly dir: string;
  /** Writes a file only this user can read, failing if it exists; returns its path. */
  writePrivate(name: string, content: string): Promise<string>;
  remove(): Promise<void>;
}

export interface CredentialsFile extends Workspace {
  readonly path: string;
}

export type CredentialField = 'password' | 'username' | 'host';

/** Builds the error for a credential that no file format can carry. */
export type CredentialRefusal = (field: CredentialField, message: string) => Error;

export const refuseAsInvalid: CredentialRefusal = (field, message) =>
  new ValidationError(message, [{ path: field, message: 'must not contain line breaks or NUL characters' }]);

export interface CredentialsOptions {
  /** Written into the file too, so that it matches (PostgreSQL) or sets (MariaDB) only this login. */
  readonly username?: string;
  /** MariaDB only: the server, with protocol=TCP so that "localhost" never silently means a local socket. */
  readonly host?: string;
  readonly port?: number;
  /** Parent of the workspace; default the OS temp dir. */
  readonly parent?: string;
  readonly refuse?: CredentialRefusal;
}

/** Every workspace is named so; the sweep touches nothing else (the temp dir is shared with other programs). */
const WORKSPACE_PREFIX = 'strongbox-cred-';
const WORKSPACE_NAME = /^strongbox-cred-[A-Za-z0-9]{6}$/;
const STALE_AFTER_MS = 60 * 60 * 1000;

export async function createWorkspace(parent = tmpdir()): Promise<Workspace> {
  const dir = await mkdtemp(join(parent, WORKSPACE_PREFIX));
  const workspace: Workspace = {
    dir,
    async writePrivate(name, content) {
      const path = join(dir, name);
      await writeFile(path, content, { mode: 0o600, flag: 'wx' });
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }).catch(() => undefined),
  };
  try {
    // mkdtemp already creates 0700; chmod states it regardless of the process umask.
    await chmod(dir, 0o700);
    return workspace;
  } catch (error) {
    await workspace.remove();
    throw error;
  }
}

async function workspaceWith(fileName: string, contents: string, parent?: string): Promise<CredentialsFile> {
  const workspace = await createWorkspace(parent);
  try {
    return { ...workspace, path: await workspace.writePrivate(fileName, contents) };
  } catch (error) {
    await workspace.remove();
    throw error;
  }
}

function refuseLineBreaks(
  values: Partial<Record<CredentialField, string>>,
  reader: string,
  refuse: CredentialRefusal,
): void {
  // Neither file format can carry a line break or NUL inside a value; refusing beats a silently wrong login.
  for (const [field, value] of Object.entries(values) as [CredentialField, string | undefined][]) {
    if (value !== undefined && /[\r\n\0]/.test(value)) {
      throw refuse(field, `the ${field} contains a line break or NUL, which ${reader} cannot read from a file`);
    }
  }
}

/** libpq's password file: `host:port:database:user:password`, with `\` and `:` escaped by a backslash. */
export function pgpassContents(password: string, options: CredentialsOptions = {}): string {
  refuseLineBreaks({ password, username: options.username }, 'libpq', options.refuse ?? refuseAsInvalid);
  const escaped = (value: string) => value.replace(/[\\:]/g, (char) => `\\${char}`);
  // Host, port and database are wildcards: the file exists for one child and one server only, and libpq's host
  // matching (socket vs "localhost", name vs address) would otherwise be a needless way to miss.
  const user = options.username === undefined ? '*' : escaped(options.username);
  return `*:*:*:${user}:${escaped(password)}\n`;
}

/**
 * A MariaDB/MySQL option file. Values are double-quoted so `#`, `;` and surrounding spaces are literal; backslash
 * escapes inside quotes are interpreted by mysys (my_default.c), so `\`, `"` and tab are escaped.
 */
export function mysqlOptionContents(password: string, options: CredentialsOptions = {}): string {
  const { username, host } = options;
  refuseLineBreaks({ password, username, host }, 'the MariaDB client', options.refuse ?? refuseAsInvalid);
  const quote = (value: string) => `"${value.replace(/[\\"]/g, (char) => `\\${char}`).replace(/\t/g, '\\t')}"`;
  const lines = ['[client]'];
  if (host !== undefined) lines.push(`host=${quote(host)}`, 'protocol=TCP');
  if (options.port !== undefined) lines.push(`port=${options.port}`);
  if (username !== undefined) lines.push(`user=${quote(username)}`);
  lines.push(`password=${quote(password)}`);
  return `${lines.join('\n')}\n`;
}

export function pgpassFile(password: string, options: CredentialsOptions = {}): Promise<CredentialsFile> {
  return workspaceWith('pgpass', pgpassContents(password, options), options.parent);
}

export function mysqlOptionFile(password: string, options: CredentialsOptions = {}): Promise<CredentialsFile> {
  return workspaceWith('client.cnf', mysqlOptionContents(password, options), options.parent);
}

export interface SweepOptions {
  readonly dir?: string;
  readonly now?: number;
  readonly uid?: number;
}

/**
 * Removes workspaces in `dir` (default: the temp dir) that belong to `uid` (default: this process's user) and
 * were last changed over an hour before `now`. Best effort: never throws; returns the paths it removed.
 */
export async function sweepStaleWorkspaces(options: SweepOptions = {}): Promise<string[]> {
  const uid = options.uid ?? process.getuid?.();
  if (uid === undefined) return [];
  const dir = options.dir ?? tmpdir();
  const cutoff = (options.now ?? Date.now()) - STALE_AFTER_MS;
  const removed: string[] = [];
  try {
    for (const name of await readdir(dir)) {
      if (!WORKSPACE_NAME.test(name)) continue;
      const path = join(dir, name);
      const info = await lstat(path).catch(() => undefined);
      if (!info?.isDirectory() || info.uid !== uid || info.mtimeMs >= cutoff) continue;
      await rm(path, { recursive: true, force: true }).then(
        () => removed.push(path),
        () => undefined,
      );
    }
  } catch {
    // An unreadable temp dir only means there is nothing this process can clean up.
  }
  return removed;
}

/** The cold-start sweep; exported so that a test can wait for it. */
export const startupSweep: Promise<string[]> = sweepStaleWorkspaces();
