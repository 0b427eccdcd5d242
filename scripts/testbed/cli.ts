import { parseArgs } from 'node:util';
import { recordedServers, startTestbed, stopRecorded } from './index';
import { probeMariadb } from './mariadb';
import { probeMoto } from './moto';
import { serverId } from './ownership';
import { DEFAULT_PORTS, motoPortsFor, parsePort, resolvePorts } from './plan';
import { probePostgres } from './postgres';

/**
 * npm run testbed -- start|stop|status [--moto-ports=5101,5102] [--pg-port=5432] [--mysql-port=3306]
 *
 * `start` leaves what it started running and records it in .strongbox/testbed/state.json; `stop` stops exactly
 * what is recorded there (unless a test run is still using it). The default moto ports are the ones the test
 * run's workers use (STRONGBOX_MOTO_PORT_BASE + 1, + 2), so tests after `start` find everything running.
 */
const USAGE = 'usage: npm run testbed -- start|stop|status [--moto-ports=5101,5102] [--pg-port=N] [--mysql-port=N]';

function motoPorts(value: string | undefined): number[] {
  if (value !== undefined) {
    const ports = value
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    if (ports.length === 0) throw new Error('--moto-ports needs at least one port');
    return ports.map((p) => parsePort(p, '--moto-ports', 0));
  }
  const base = parsePort(process.env.STRONGBOX_MOTO_PORT_BASE, 'STRONGBOX_MOTO_PORT_BASE', DEFAULT_PORTS.motoBase);
  return motoPortsFor(base, 2);
}

async function status(ports: { postgres: number; mysql: number; moto: number[] }): Promise<boolean> {
  const recorded = new Map(recordedServers().map((s) => [s.id, s]));
  const owner = (id: string) => {
    const server = recorded.get(id);
    if (!server) return 'not started by the test bed';
    const holders = [server.keep ? 'testbed start' : '', ...server.leases.map((l) => `test run pid ${l.pid}`)];
    return `started by the test bed (${server.detail}; held by ${holders.filter(Boolean).join(', ') || 'nobody'})`;
  };
  const rows = await Promise.all([
    ...ports.moto.map(async (port) => ({ id: serverId('moto', port), state: await probeMoto(port), ok: 'moto' })),
    probePostgres(ports.postgres).then((p) => ({
      id: serverId('postgres', ports.postgres),
      state: p.state,
      ok: 'accepts',
    })),
    probeMariadb(ports.mysql).then((p) => ({ id: serverId('mariadb', ports.mysql), state: p.state, ok: 'accepts' })),
  ]);
  for (const row of rows) console.log(`${row.id.padEnd(16)} ${row.state.padEnd(8)} ${owner(row.id)}`);
  const unknownRecords = [...recorded.keys()].filter((id) => !rows.some((r) => r.id === id));
  for (const id of unknownRecords) console.log(`${id.padEnd(16)} recorded  ${owner(id)}`);
  return rows.every((row) => row.state === row.ok);
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { 'moto-ports': { type: 'string' }, 'pg-port': { type: 'string' }, 'mysql-port': { type: 'string' } },
  });
  const [command] = positionals;
  const dbPorts = resolvePorts(process.env, {
    ...(values['pg-port'] ? { postgres: parsePort(values['pg-port'], '--pg-port', 0) } : {}),
    ...(values['mysql-port'] ? { mysql: parsePort(values['mysql-port'], '--mysql-port', 0) } : {}),
  });
  const ports = { ...dbPorts, moto: motoPorts(values['moto-ports']) };
  switch (command) {
    case 'start': {
      const testbed = await startTestbed({
        motoPorts: ports.moto,
        postgresPort: ports.postgres,
        mysqlPort: ports.mysql,
        keep: true,
      });
      console.log(
        testbed.started.length > 0 ? `started: ${testbed.started.join(', ')}` : 'nothing to start: all running',
      );
      console.log(JSON.stringify(testbed.info, null, 2));
      return 0;
    }
    case 'stop': {
      const inUse = await stopRecorded();
      if (inUse.length === 0) console.log('stopped everything the test bed had started');
      return 0;
    }
    case 'status':
      return (await status(ports)) ? 0 : 1;
    default:
      console.error(USAGE);
      return 2;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
