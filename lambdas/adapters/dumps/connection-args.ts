/**
 * Checks on the parts of a connection that end up as command-line arguments of a database tool. They are not
 * secret, but a tool may interpret them: pg_dump treats a database "name" containing `=` or starting with
 * `postgres://` as a whole connection string, and a host list separated by commas as several hosts. Strongbox
 * passes one host and one database, literally, or refuses.
 */
import { DumpFailedError, ValidationError } from '../../domain/errors';
import { redact } from '../../domain/redact';
import type { DatabaseConnection } from '../../ports/databases';

const SAFE_HOST = /^[A-Za-z0-9._:-]{1,253}$/;
const SAFE_USER = /^[^\s=\0'"\\]{1,128}$/;

export function checkConnectionArgs(connection: DatabaseConnection): void {
  const issues: { path: string; message: string }[] = [];
  if (!SAFE_HOST.test(connection.host)) issues.push({ path: 'host', message: 'must be one host name or address' });
  if (!Number.isInteger(connection.port) || connection.port < 1 || connection.port > 65_535) {
    issues.push({ path: 'port', message: 'must be an integer from 1 to 65535' });
  }
  if (
    connection.database.length === 0 ||
    /[=\0]/.test(connection.database) ||
    /^(postgres|postgresql|mysql|mariadb):\/\//i.test(connection.database) ||
    connection.database.startsWith('-')
  ) {
    issues.push({ path: 'database', message: 'must be a plain database name' });
  }
  if (!SAFE_USER.test(connection.username) || connection.username.startsWith('-')) {
    issues.push({ path: 'username', message: 'must be a plain user name' });
  }
  if (issues.length > 0) throw new ValidationError('the connection cannot be passed to a database tool', issues);
}

/** The version part of a tool's `--version` banner, or the whole banner. */
export function versionFromBanner(banner: string): string {
  const patterns = [/\(PostgreSQL\)\s+(.+)$/, /Distrib\s+([^\s,]+)/, /\bVer\s+(\S+)/];
  for (const pattern of patterns) {
    const match = pattern.exec(banner);
    if (match?.[1]) return match[1].trim();
  }
  return banner.trim();
}

/** Errors from a database driver (describe), without the password. */
export function driverFailure(action: string, error: unknown, password: string): DumpFailedError {
  const text = error instanceof Error ? error.message : String(error);
  return new DumpFailedError(`${action} failed: ${redact(text, [password])}`);
}
