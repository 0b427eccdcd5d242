import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  claimServer,
  findServer,
  type Lease,
  motoPortBlock,
  motoPortFreeForRun,
  planCliStop,
  type RecordedServer,
  recordServer,
  releaseLease,
  type StopPlan,
  serverId,
  type TestbedState,
} from './ownership';
import { ADMIN, HOST, resolvePorts } from './plan';
import { isAlive, portOpen, TestbedError } from './proc';
import { type Context, type Ensured, ensureMariadb, ensureMoto, ensurePostgres, stopServer } from './services';
import { defaultStateDir, ensureDir, readState, withLock, writeState } from './state';

/**
 * The test bed: moto_server per port, PostgreSQL and MariaDB, each used when already running with the admin
 * credentials, started otherwise; it stops only what it started (see ownership.ts). Used by vitest's global
 * setup, local mode (`npm start`) and `npm run testbed -- start|stop|status`.
 */
export interface DbServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export interface MotoServer {
  readonly port: number;
  readonly endpoint: string;
}

export interface TestbedInfo {
  /** An admin (superuser) of the PostgreSQL server. */
  readonly postgres: DbServer;
  /** An admin (all privileges, with grant option) of the MariaDB server. */
  readonly mysql: DbServer;
  /** One moto_server per requested port, in the order asked for. */
  readonly moto: readonly MotoServer[];
}

export interface TestbedOptions {
  readonly motoPorts: readonly number[];
  /** Default: env STRONGBOX_PG_PORT, else 5432. */
  readonly postgresPort?: number;
  /** Default: env STRONGBOX_MYSQL_PORT, else 3306. */
  readonly mysqlPort?: number;
  /** Default: .strongbox/testbed at the repository root (env STRONGBOX_TESTBED_DIR overrides). */
  readonly stateDir?: string;
  /** For `testbed start`: what gets started stays up after this process, until `testbed stop`. */
  readonly keep?: boolean;
  /**
   * For a test run: never share a moto_server with another live run. When a requested port is taken, the whole
   * block moves up by 10 ports (see info.moto for the ports used).
   */
  readonly exclusiveMoto?: boolean;
  readonly log?: (line: string) => void;
}

export interface Testbed {
  readonly info: TestbedInfo;
  /** Ids (`kind:port`) of the servers this call started. */
  readonly started: readonly string[];
  /** Stops what this call started once nothing else uses it; a no-op for `keep`. Safe to call twice. */
  stop(): Promise<void>;
}

const defaultLog = (line: string) => console.log(`testbed: ${line}`);

function contextFor(options: { stateDir?: string; log?: (line: string) => void }): Context {
  const stateDir = ensureDir(options.stateDir ?? defaultStateDir());
  return { stateDir, logDir: ensureDir(join(stateDir, 'logs')), log: options.log ?? defaultLog };
}

function db(port: number): DbServer {
  return { host: HOST, port, user: ADMIN.user, password: ADMIN.password };
}

type Started = Extract<Ensured, { outcome: 'started' }>;

function toRecord(outcome: Started, holder: Lease | 'keep'): RecordedServer {
  return {
    id: serverId(outcome.kind, outcome.port),
    kind: outcome.kind,
    port: outcome.port,
    stop: outcome.stop,
    keep: holder === 'keep',
    leases: holder === 'keep' ? [] : [holder],
    startedAt: new Date().toISOString(),
    detail: outcome.detail,
  };
}

function applyOutcomes(state: TestbedState, outcomes: readonly Ensured[], holder: Lease | 'keep'): TestbedState {
  let next = state;
  for (const outcome of outcomes) {
    const id = serverId(outcome.kind, outcome.port);
    if (outcome.outcome === 'started') next = recordServer(next, toRecord(outcome, holder));
    else if (findServer(next, id)) next = claimServer(next, id, holder);
  }
  return next;
}

async function stopAll(servers: readonly RecordedServer[], ctx: Context): Promise<RecordedServer[]> {
  const failed: RecordedServer[] = [];
  for (const server of servers) {
    try {
      await stopServer(server, ctx);
      ctx.log(`stopped ${server.id} (${server.detail})`);
    } catch (error) {
      ctx.log(`could not stop ${server.id}: ${(error as Error).message}`);
      failed.push(server);
    }
  }
  return failed;
}

async function carryOut(plan: StopPlan, ctx: Context): Promise<void> {
  const failed = await stopAll(plan.toStop, ctx);
  // What could not be stopped stays recorded, so a later `testbed stop` tries again.
  writeState(ctx.stateDir, failed.reduce(recordServer, plan.state));
  if (failed.length > 0) throw new TestbedError(`could not stop ${failed.map((s) => s.id).join(', ')}`);
}

const MOTO_BLOCK_TRIES = 20;

async function exclusiveMotoPorts(requested: readonly number[], state: TestbedState): Promise<number[]> {
  for (let attempt = 0; attempt < MOTO_BLOCK_TRIES; attempt++) {
    const ports = motoPortBlock(requested, attempt);
    const free = await Promise.all(
      ports.map(async (port) =>
        motoPortFreeForRun(await portOpen(port), findServer(state, serverId('moto', port)), isAlive),
      ),
    );
    if (free.every(Boolean)) return ports;
  }
  throw new TestbedError(`no free block of moto ports from ${requested.join(', ')} in ${MOTO_BLOCK_TRIES} tries`);
}

export async function startTestbed(options: TestbedOptions): Promise<Testbed> {
  if (options.motoPorts.length === 0) throw new TestbedError('startTestbed needs at least one moto port');
  const ctx = contextFor(options);
  const ports = resolvePorts(process.env, {
    ...(options.postgresPort === undefined ? {} : { postgres: options.postgresPort }),
    ...(options.mysqlPort === undefined ? {} : { mysql: options.mysqlPort }),
  });
  const holder: Lease | 'keep' = options.keep ? 'keep' : { pid: process.pid, token: randomUUID() };

  let motoPorts = [...options.motoPorts];
  const started = await withLock(ctx.stateDir, async () => {
    if (options.exclusiveMoto) motoPorts = await exclusiveMotoPorts(options.motoPorts, readState(ctx.stateDir));
    const results = await Promise.allSettled([
      ...motoPorts.map((port) => ensureMoto(port, ctx)),
      ensurePostgres(ports.postgres, ctx),
      ensureMariadb(ports.mysql, ctx),
    ]);
    const outcomes = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (errors.length > 0) {
      // Leave nothing behind from a start that failed half-way.
      const startedNow = outcomes.filter((o): o is Started => o.outcome === 'started');
      await stopAll(
        startedNow.map((o) => toRecord(o, holder)),
        ctx,
      );
      throw new TestbedError(`the test bed did not start:\n- ${errors.map((e) => e.message).join('\n- ')}`, {
        cause: errors[0],
      });
    }
    writeState(ctx.stateDir, applyOutcomes(readState(ctx.stateDir), outcomes, holder));
    for (const o of outcomes)
      ctx.log(`${o.outcome === 'started' ? 'started' : 'using'} ${o.kind} on ${HOST}:${o.port} (${o.detail})`);
    return outcomes.filter((o) => o.outcome === 'started').map((o) => serverId(o.kind, o.port));
  });

  let stopped = false;
  return {
    info: {
      postgres: db(ports.postgres),
      mysql: db(ports.mysql),
      moto: motoPorts.map((port) => ({ port, endpoint: `http://${HOST}:${port}` })),
    },
    started,
    async stop() {
      if (stopped || holder === 'keep') return;
      stopped = true;
      await withLock(ctx.stateDir, () => carryOut(releaseLease(readState(ctx.stateDir), holder.token, isAlive), ctx));
    },
  };
}

/** `testbed stop`: stops every recorded server that no live test run uses; returns what it left running. */
export async function stopRecorded(
  options: { stateDir?: string; log?: (line: string) => void } = {},
): Promise<RecordedServer[]> {
  const ctx = contextFor(options);
  return withLock(ctx.stateDir, async () => {
    const plan = planCliStop(readState(ctx.stateDir), isAlive);
    for (const server of plan.inUse) {
      ctx.log(
        `${server.id} is in use by pid ${server.leases.map((l) => l.pid).join(', ')}; it stops when that run ends`,
      );
    }
    await carryOut(plan, ctx);
    return [...plan.inUse];
  });
}

export function recordedServers(options: { stateDir?: string } = {}): readonly RecordedServer[] {
  return readState(options.stateDir ?? defaultStateDir()).servers;
}
