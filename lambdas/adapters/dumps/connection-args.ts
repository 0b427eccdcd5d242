/**
 * How a connection reaches a database tool, for dumps and restores alike.
 *
 * - `checkConnectionArgs(connection)`: the parts that end up as command-line arguments are not secret, but a tool
 *   may interpret them: pg_dump treats a database "name" containing `=` or starting with `postgres://` as a whole
 *   connection string, and a host list separated by commas as several hosts. Strongbox passes one host and one
 *   database, literally, or refuses (ValidationError).
 * - `pgConnInfo(connection, database?)`: a libpq connection string without the password, every value quoted, for
 *   `--dbname=` when a name must never be read as syntax.
 * - `libpqEnvironment(settings)`: PGPASSFILE, PGAPPNAME (what pg_stat_activity shows) and PGCONNECT_TIMEOUT.
 * - `versionFromBanner(banner)`, `driverFailure(action, error, password)` (a DumpFailedError without the password).
 */
import { DumpFailedError, ValidationError } from '../../domain/errors';
import { redact } from '../../domain/redact';
import type { DatabaseConnection } from '../../ports/databases';

/** Seconds a tool or driver waits for a connection, unless configured otherwise. */
export const CONNECT_TIMEOUT_SECONDS = 15;

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

export function pgConnInfo(connection: DatabaseConnection, database = connection.database): string {
  const quote = (value: string | number) => `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const parts: Record<string, string | number> = {
    host: connection.host,
    port: connection.port,
    user: connection.username,
    dbname: database,
  };
  return Object.entries(parts)
    .map(([key, value]) => `${key}=${quote(value)}`)
    .join(' ');
}

export interface LibpqSettings {
  readonly passFile: string;
  readonly applicationName: string;
  readonly connectTimeoutSeconds?: number;
}

export function libpqEnvironment(settings: LibpqSettings): Record<string, string> {
  return {
    PGPASSFILE: settings.passFile,
    PGAPPNAME: settings.applicationName,
    PGCONNECT_TIMEOUT: String(settings.connectTimeoutSeconds ?? CONNECT_TIMEOUT_SECONDS),
  };
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
