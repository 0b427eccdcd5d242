import { readFileSync } from 'node:fs';
import * as mariadb from './mariadb';
import * as moto from './moto';
import type { RecordedServer, ServerKind, StopRecipe } from './ownership';
import { planMariadb, planMoto, planPostgres, shouldInstallMariadb } from './plan';
import * as postgres from './postgres';
import { isAlive, isRoot, TestbedError, terminate } from './proc';

/** What ensuring one server came to: found usable as it was, or started by this call (with how to stop it). */
export type Ensured =
  | { readonly kind: ServerKind; readonly port: number; readonly outcome: 'used'; readonly detail: string }
  | {
      readonly kind: ServerKind;
      readonly port: number;
      readonly outcome: 'started';
      readonly detail: string;
      readonly stop: StopRecipe;
    };

export interface Context {
  readonly stateDir: string;
  readonly logDir: string;
  readonly log: (line: string) => void;
}

export async function ensureMoto(port: number, ctx: Context): Promise<Ensured> {
  const action = planMoto(port, await moto.probeMoto(port), moto.findMotoServer() !== undefined);
  if (action.do === 'fail') throw new TestbedError(action.reason);
  if (action.do === 'use') return { kind: 'moto', port, outcome: 'used', detail: 'moto_server answering' };
  const started = await moto.startMoto(port, ctx.logDir);
  if (!started.ours) return { kind: 'moto', port, outcome: 'used', detail: 'moto_server started by someone else' };
  return {
    kind: 'moto',
    port,
    outcome: 'started',
    detail: `moto_server pid ${started.pid}`,
    stop: { how: 'signal', pid: started.pid, group: true, match: 'moto_server' },
  };
}

export async function ensurePostgres(port: number, ctx: Context): Promise<Ensured> {
  const probe = await postgres.probePostgres(port);
  const root = isRoot();
  const clusters = probe.state === 'absent' ? await postgres.listClusters() : [];
  const action = planPostgres({ port, probe, isRoot: root, clusters, binDir: postgres.findBinDir() });
  switch (action.do) {
    case 'use':
      return { kind: 'postgres', port, outcome: 'used', detail: 'accepts the admin role' };
    case 'fail':
      throw new TestbedError(action.reason);
    case 'create-role': {
      ctx.log(`PostgreSQL on port ${port} lacks the admin role; creating it as the postgres OS user`);
      await postgres.createRole(port);
      const after = await postgres.probePostgres(port);
      if (after.state !== 'accepts') {
        throw new TestbedError(
          `created the admin role on port ${port}, but the server still refuses it: ${JSON.stringify(after)}`,
        );
      }
      return { kind: 'postgres', port, outcome: 'used', detail: 'admin role created' };
    }
    case 'start-cluster': {
      const { version, name } = action.cluster;
      const stop = await postgres.startCluster(action.cluster, port, ctx.logDir);
      return { kind: 'postgres', port, outcome: 'started', detail: `cluster ${version}/${name}`, stop };
    }
    case 'start-private': {
      const stop = await postgres.startPrivate(ctx.stateDir, port, action.runAs, action.binDir, ctx.logDir);
      const dataDir = stop.how === 'pg_ctl' ? stop.dataDir : '';
      return { kind: 'postgres', port, outcome: 'started', detail: `private cluster ${dataDir}`, stop };
    }
  }
}

export async function ensureMariadb(port: number, ctx: Context): Promise<Ensured> {
  const root = isRoot();
  if (shouldInstallMariadb(mariadb.findMariadb() !== undefined, root)) {
    ctx.log('MariaDB is not installed; installing mariadb-server with apt-get');
    await mariadb.installMariadb(ctx.logDir);
  }
  const probe = await mariadb.probeMariadb(port);
  const action = planMariadb({ port, probe, isRoot: root, installed: mariadb.findMariadb() !== undefined });
  switch (action.do) {
    case 'use':
      return { kind: 'mariadb', port, outcome: 'used', detail: 'accepts the admin user' };
    case 'fail':
      throw new TestbedError(action.reason);
    case 'create-users': {
      ctx.log(`MariaDB on port ${port} lacks the admin user; creating it as root over the unix socket`);
      await mariadb.createUsersAsRoot(port);
      const after = await mariadb.probeMariadb(port);
      if (after.state !== 'accepts') {
        throw new TestbedError(
          `created the admin user on port ${port}, but the server still refuses it: ${JSON.stringify(after)}`,
        );
      }
      return { kind: 'mariadb', port, outcome: 'used', detail: 'admin user created' };
    }
    case 'start-private': {
      const stop = await mariadb.startPrivate(ctx.stateDir, port, ctx.logDir);
      return {
        kind: 'mariadb',
        port,
        outcome: 'started',
        detail: `private server ${ctx.stateDir}/mariadb-${port}`,
        stop,
      };
    }
  }
}

/** Whether pid still runs the command we started (Linux /proc; elsewhere: whether it is alive). */
function runs(pid: number, match: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(match);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && process.platform === 'linux') return false;
    return isAlive(pid);
  }
}

export async function stopServer(server: RecordedServer, ctx: Context): Promise<void> {
  const recipe = server.stop;
  if (recipe.how === 'signal') {
    if (runs(recipe.pid, recipe.match)) await terminate(recipe.pid, recipe.group, 60_000);
    return;
  }
  if (server.kind === 'postgres' && (await postgres.probePostgres(server.port)).state === 'absent') return;
  await postgres.stopPostgres(recipe, ctx.logDir);
}
