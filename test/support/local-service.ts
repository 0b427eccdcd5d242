import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LocalService, startLocalService } from '../../scripts/local/service';
import { motoEndpoint, resetMoto, type TestDatabase, testbedInfo } from './testbed';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The local service (the same one `npm start` runs) on this worker's emulator, with waits and retry intervals
 * skipped. One per test file: it owns process.env while it runs.
 */
export async function startTestService(): Promise<LocalService> {
  await resetMoto();
  return startLocalService({
    root: REPO_ROOT,
    motoEndpoint: motoEndpoint(),
    fastWaits: true,
    logLevel: process.env.STRONGBOX_TEST_LOG_LEVEL ?? 'SILENT',
    stateDir: mkdtempSync(join(tmpdir(), 'strongbox-test-')),
  });
}

export interface ApiResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** A tenant's view of the API: JSON in, JSON out, the bearer token of one principal. */
export function apiAs(service: LocalService, principal: string) {
  const token = service.tokens[principal];
  if (!token) throw new Error(`no local token for ${principal}`);
  const call = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ApiResponse<T>> => {
    const response = await fetch(`${service.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
  };
  return {
    get: <T = Record<string, unknown>>(path: string) => call<T>('GET', path),
    post: <T = Record<string, unknown>>(path: string, body: unknown) => call<T>('POST', path, body),
    patch: <T = Record<string, unknown>>(path: string, body: unknown) => call<T>('PATCH', path, body),
    put: <T = Record<string, unknown>>(path: string, body: unknown) => call<T>('PUT', path, body),
    delete: <T = Record<string, unknown>>(path: string) => call<T>('DELETE', path),
  };
}

export type Api = ReturnType<typeof apiAs>;

/** The body that registers a test-bed database as a source, connecting as the test bed's admin. */
export function sourceBodyFor(db: TestDatabase, name = `${db.connection.engine} ${db.name}`) {
  const server = db.connection.engine === 'postgres' ? testbedInfo().postgres : testbedInfo().mysql;
  return {
    name,
    type: db.connection.engine,
    host: server.host,
    port: server.port,
    database: db.name,
    username: server.user,
    password: server.password,
  };
}
