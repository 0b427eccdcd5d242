/**
 * The rich fixtures (test/fixtures/*-rich.sql) and dumps made with the real tools, stored as Strongbox stores
 * them (zstd) in a local file, so restore tests need neither the dump side nor the vault.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createZstdCompress } from 'node:zlib';
import pg from 'pg';
import { requireTool, startTool } from '../../lambdas/adapters/dumps/child-process';
import { pgConnInfo } from '../../lambdas/adapters/dumps/connection-args';
import { type CredentialsFile, mysqlOptionFile, pgpassFile } from '../../lambdas/adapters/dumps/credentials';
import type { DatabaseConnection } from '../../lambdas/ports/databases';

export const POSTGRES_RICH_SQL = fileURLToPath(new URL('../fixtures/postgres-rich.sql', import.meta.url));
export const MYSQL_RICH_SQL = fileURLToPath(new URL('../fixtures/mysql-rich.sql', import.meta.url));

/** Options Strongbox's dump side uses (docs/architecture.md); tests dump with the same ones. */
export const PG_DUMP_OPTIONS = ['--format=custom', '--compress=0'];
export const MYSQL_DUMP_OPTIONS = [
  '--single-transaction',
  '--routines',
  '--triggers',
  '--events',
  '--hex-blob',
  '--quick',
  '--default-character-set=utf8mb4',
  '--no-tablespaces',
];

/** Applies test/fixtures/postgres-rich.sql to an (empty) database. */
export async function loadPostgresFixture(connection: DatabaseConnection): Promise<void> {
  const sql = await readFile(POSTGRES_RICH_SQL, 'utf8');
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    user: connection.username,
    password: connection.password,
    database: connection.database,
  });
  await client.connect();
  try {
    // One simple-protocol query: the file is a script of many statements (function bodies included).
    await client.query(sql);
  } finally {
    await client.end();
  }
}

type Tool = 'pg_dump' | 'mariadb' | 'mariadb-dump';
const EXECUTABLES: Record<Tool, string[]> = {
  pg_dump: ['pg_dump'],
  mariadb: ['mariadb', 'mysql'],
  'mariadb-dump': ['mariadb-dump', 'mysqldump'],
};

/**
 * Runs a tool with the connection's password in a 0600 file, in a private directory that `args` may write
 * into (`--file=`/`--result-file=` relative to it); `afterwards` reads what it wrote before the directory goes.
 */
async function runTool(
  connection: DatabaseConnection,
  tool: Tool,
  args: (credentialsFile: string) => string[],
  options: { input?: Readable; afterwards?: (dir: string) => Promise<void> } = {},
): Promise<void> {
  const isPostgres = tool === 'pg_dump';
  const login = { username: connection.username, host: connection.host, port: connection.port };
  const workspace: CredentialsFile = isPostgres
    ? await pgpassFile(connection.password, login)
    : await mysqlOptionFile(connection.password, login);
  try {
    const env: Record<string, string> = isPostgres
      ? { PGPASSFILE: workspace.path, HOME: workspace.dir }
      : { HOME: workspace.dir };
    const running = startTool({
      command: await requireTool(EXECUTABLES[tool], (message) => new Error(message)),
      args: args(workspace.path),
      env,
      cwd: workspace.dir,
      stdin: 'pipe',
      stdout: 'ignore',
      secrets: [connection.password],
      failure: (message) => new Error(message),
      label: tool,
    });
    const stdin = running.stdin;
    if (options.input && stdin) await pipeline(options.input, stdin);
    else stdin?.end();
    await running.wait();
    await options.afterwards?.(workspace.dir);
  } finally {
    await workspace.remove();
  }
}

/** Applies test/fixtures/mysql-rich.sql with the mariadb client (the file uses DELIMITER, a client command). */
export async function loadMysqlFixture(connection: DatabaseConnection): Promise<void> {
  await runTool(
    connection,
    'mariadb',
    (file) => [`--defaults-extra-file=${file}`, '--default-character-set=utf8mb4', `--database=${connection.database}`],
    { input: createReadStream(MYSQL_RICH_SQL) },
  );
}

/** A dump file as the vault would hold it: zstd-compressed, with the SHA-256 of the compressed bytes. */
export interface StoredDump {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  open(): Promise<Readable>;
}

export function storedDump(path: string, sha256: string, bytes: number): StoredDump {
  return { path, sha256, bytes, open: async () => createReadStream(path) };
}

/** Compresses a plain file into `path` as the vault stores dumps, hashing the compressed bytes. */
async function storeCompressed(plain: string, path: string): Promise<StoredDump> {
  const hash = createHash('sha256');
  let bytes = 0;
  await pipeline(
    createReadStream(plain),
    createZstdCompress(),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(path, { mode: 0o600 }),
  );
  return storedDump(path, hash.digest('hex'), bytes);
}

async function dumpWith(
  connection: DatabaseConnection,
  tool: Tool,
  args: (credentialsFile: string) => string[],
  path: string,
): Promise<StoredDump> {
  let stored: StoredDump | undefined;
  await runTool(connection, tool, args, {
    afterwards: async (dir) => {
      stored = await storeCompressed(join(dir, 'dump.out'), path);
    },
  });
  return stored as StoredDump;
}

/** `pg_dump --format=custom --compress=0` of the database, zstd-compressed into `path`. */
export async function dumpPostgres(connection: DatabaseConnection, path: string): Promise<StoredDump> {
  return dumpWith(
    connection,
    'pg_dump',
    () => [...PG_DUMP_OPTIONS, '--file=dump.out', `--dbname=${pgConnInfo(connection)}`],
    path,
  );
}

/** `mariadb-dump` with Strongbox's options, zstd-compressed into `path`. */
export async function dumpMysql(connection: DatabaseConnection, path: string): Promise<StoredDump> {
  return dumpWith(
    connection,
    'mariadb-dump',
    (file) => [`--defaults-extra-file=${file}`, ...MYSQL_DUMP_OPTIONS, '--result-file=dump.out', connection.database],
    path,
  );
}

/** A copy of a stored dump with one byte of the compressed object flipped (at `offset`, default the middle). */
export async function corruptCopy(dump: StoredDump, path: string, offset?: number): Promise<StoredDump> {
  const bytes = await readFile(dump.path);
  const at = offset ?? Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  await writeFile(path, bytes, { mode: 0o600 });
  return storedDump(path, dump.sha256, bytes.length);
}
