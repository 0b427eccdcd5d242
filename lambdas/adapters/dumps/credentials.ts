/**
 * Credentials files for database tools (DESIGN.md R16: never a password in argv or in a child's environment).
 *
 * API (shared by the dump writers and the loaders):
 * - `writeCredentialsFile(fileName, contents)` creates a fresh private directory (0700) under the OS temp dir and
 *   one file in it (0600, created exclusively), and returns `{ path, remove }`. `remove()` deletes the directory
 *   and everything in it; it is idempotent and never throws, so it belongs in a `finally`.
 * - `pgpassFile(password)` → a PGPASSFILE for libpq tools (pg_dump, pg_restore, psql): pass only
 *   `PGPASSFILE=<path>` in the child's environment.
 * - `mysqlOptionFile(password)` → an option file for mariadb/mysql tools: pass `--defaults-extra-file=<path>` as
 *   the FIRST argument (the tools only honour it there).
 *
 * A separate directory per file keeps the path unguessable and lets removal take everything, even files a tool
 * might have created next to it.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../domain/errors';

export interface CredentialsFile {
  readonly path: string;
  remove(): Promise<void>;
}

export async function writeCredentialsFile(fileName: string, contents: string): Promise<CredentialsFile> {
  const dir = await mkdtemp(join(tmpdir(), 'strongbox-cred-'));
  const remove = async (): Promise<void> => {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    // mkdtemp already creates 0700; chmod states it regardless of the process umask.
    await chmod(dir, 0o700);
    const path = join(dir, fileName);
    await writeFile(path, contents, { mode: 0o600, flag: 'wx' });
    return { path, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

function refuseLineBreaks(password: string, tool: string): void {
  // Neither file format can carry a line break inside a value; refusing is better than a silently wrong password.
  if (/[\r\n\0]/.test(password)) {
    throw new ValidationError(`the password contains a line break or NUL, which ${tool} cannot read from a file`, [
      { path: 'password', message: 'must not contain line breaks or NUL characters' },
    ]);
  }
}

/** libpq's password file: `host:port:database:user:password`, with `\` and `:` escaped by a backslash. */
export function pgpassContents(password: string): string {
  refuseLineBreaks(password, 'libpq');
  const escaped = password.replace(/[\\:]/g, (char) => `\\${char}`);
  // Wildcards: the file exists for one child and one server only, and libpq's host matching (socket vs
  // "localhost", name vs address) would otherwise be a needless way to miss.
  return `*:*:*:*:${escaped}\n`;
}

/**
 * A MariaDB/MySQL option file. The value is double-quoted so `#`, `;` and surrounding spaces are literal;
 * backslash escapes inside quotes are interpreted by mysys (my_default.c), so `\` and `"` are escaped.
 */
export function mysqlOptionContents(password: string): string {
  refuseLineBreaks(password, 'the MariaDB client');
  const escaped = password.replace(/[\\"]/g, (char) => `\\${char}`).replace(/\t/g, '\\t');
  return `[client]\npassword="${escaped}"\n`;
}

export function pgpassFile(password: string): Promise<CredentialsFile> {
  return writeCredentialsFile('pgpass', pgpassContents(password));
}

export function mysqlOptionFile(password: string): Promise<CredentialsFile> {
  return writeCredentialsFile('client.cnf', mysqlOptionContents(password));
}
