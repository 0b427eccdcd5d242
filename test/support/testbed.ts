import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { inject } from 'vitest';
import type { AwsSettings } from '../../lambdas/adapters/aws/clients';
import type { DatabaseConnection } from '../../lambdas/ports/databases';

/** What the global setup started (or found running) for this test run. */
export interface DbServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export interface TestbedInfo {
  readonly postgres: DbServer;
  readonly mysql: DbServer;
  /** Worker n uses moto_server on 127.0.0.1:(motoPortBase + n). */
  readonly motoPortBase: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    testbed: TestbedInfo;
  }
}

export function testbedInfo(): TestbedInfo {
  return inject('testbed');
}

export function workerId(): number {
  return Number(process.env.VITEST_POOL_ID ?? '1');
}

export function motoEndpoint(): string {
  return `http://127.0.0.1:${testbedInfo().motoPortBase + workerId()}`;
}

/** Settings for SDK clients in tests: the worker's emulator, dummy credentials, no retries. */
export function awsTestSettings(): AwsSettings {
  return {
    region: 'us-east-1',
    endpoint: motoEndpoint(),
    maxAttempts: 1,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}

/** Forgets everything the emulator holds (call in beforeEach). */
export async function resetMoto(): Promise<void> {
  const response = await fetch(`${motoEndpoint()}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
}

export interface TestDatabase {
  readonly name: string;
  readonly connection: DatabaseConnection;
  drop(): Promise<void>;
}

function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function postgresConnection(database: string): DatabaseConnection {
  const server = testbedInfo().postgres;
  return {
    engine: 'postgres',
    host: server.host,
    port: server.port,
    database,
    username: server.user,
    password: server.password,
  };
}

export function mysqlConnection(database: string): DatabaseConnection {
  const server = testbedInfo().mysql;
  return {
    engine: 'mysql',
    host: server.host,
    port: server.port,
    database,
    username: server.user,
    password: server.password,
  };
}

/** Runs SQL as the test bed's admin user, against `database` (default: postgres). */
export async function withPostgres<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const server = testbedInfo().postgres;
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function withMysql<T>(
  database: string | undefined,
  work: (conn: mysql.Connection) => Promise<T>,
): Promise<T> {
  const server = testbedInfo().mysql;
  const conn = await mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    ...(database ? { database } : {}),
    multipleStatements: true,
    charset: 'utf8mb4',
  });
  try {
    return await work(conn);
  } finally {
    await conn.end();
  }
}

export async function createPostgresDatabase(prefix = 'sbtest'): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  await withPostgres('postgres', (client) => client.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    connection: postgresConnection(name),
    drop: () =>
      withPostgres('postgres', (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

export async function createMysqlDatabase(prefix = 'sbtest'): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  await withMysql(undefined, (conn) =>
    conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`),
  );
  return {
    name,
    connection: mysqlConnection(name),
    drop: () => withMysql(undefined, (conn) => conn.query(`DROP DATABASE IF EXISTS \`${name}\``)).then(() => undefined),
  };
}
