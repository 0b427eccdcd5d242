import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { inject } from 'vitest';
import type { AwsSettings } from '../../lambdas/adapters/aws/clients';
import type { DatabaseConnection } from '../../lambdas/ports/databases';
import type { TestbedInfo as ScriptsTestbedInfo } from '../../scripts/testbed/index';

export type { DbServer } from '../../scripts/testbed/index';

/** What the global setup started (or found running) for this test run. */
export interface TestbedInfo extends ScriptsTestbedInfo {
  /** Worker n (VITEST_POOL_ID, 1-based) uses moto_server on 127.0.0.1:(motoPortBase + n); see `moto`. */
  readonly motoPortBase: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    testbed: TestbedInfo;
  }
}

export function testbedInfo(): TestbedInfo {
  const info = inject('testbed') as TestbedInfo | undefined;
  if (info === undefined) {
    throw new Error(
      'The test bed was not started for this run: the global setup skips it when only unit/infra tests are selected. ' +
        'Run the test through its own project (integration, workflows, e2e).',
    );
  }
  return info;
}

export function workerId(): number {
  return Number(process.env.VITEST_POOL_ID ?? '1');
}

export function motoEndpoint(): string {
  const info = testbedInfo();
  const port = info.motoPortBase + workerId();
  const server = info.moto.find((m) => m.port === port);
  if (server === undefined) {
    const ports = info.moto.map((m) => m.port).join(', ');
    throw new Error(
      `worker ${workerId()} has no moto_server: the test bed started ports ${ports} (base ${info.motoPortBase})`,
    );
  }
  return server.endpoint;
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
