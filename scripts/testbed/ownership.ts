/**
 * Who started what, and when it may be stopped. The record lives in .strongbox/testbed/state.json; these pure
 * functions change it. A server is stopped only by the test bed that started it, and only when nobody uses it:
 * a test run holds a lease (its pid) on every recorded server it uses, `testbed start` marks what it starts as
 * kept, and a server is stopped when it is neither kept nor leased by a live process. Servers the test bed found
 * running are never recorded, so never stopped.
 */

export type ServerKind = 'moto' | 'postgres' | 'mariadb';

export type StopRecipe =
  /**
   * SIGTERM to the process (group), then SIGKILL if it does not exit; only while the pid still runs a command
   * containing `match`, so a pid reused after a reboot is left alone.
   */
  | { readonly how: 'signal'; readonly pid: number; readonly group: boolean; readonly match: string }
  | { readonly how: 'pg_ctlcluster'; readonly version: string; readonly cluster: string }
  | { readonly how: 'pg_ctl'; readonly binDir: string; readonly dataDir: string; readonly runAs?: string };

export interface Lease {
  readonly pid: number;
  readonly token: string;
}

export interface RecordedServer {
  readonly id: string;
  readonly kind: ServerKind;
  readonly port: number;
  readonly stop: StopRecipe;
  /** Started by `testbed start`: stays up until `testbed stop`. */
  readonly keep: boolean;
  readonly leases: readonly Lease[];
  readonly startedAt: string;
  readonly detail: string;
}

export interface TestbedState {
  readonly version: 1;
  readonly servers: readonly RecordedServer[];
}

export const EMPTY_STATE: TestbedState = { version: 1, servers: [] };

export function serverId(kind: ServerKind, port: number): string {
  return `${kind}:${port}`;
}

/** Reads a state file's JSON leniently: anything unrecognisable is an empty state (nothing to stop). */
export function parseState(json: string | undefined): TestbedState {
  if (json === undefined) return EMPTY_STATE;
  try {
    const value = JSON.parse(json) as Partial<TestbedState>;
    if (value.version !== 1 || !Array.isArray(value.servers)) return EMPTY_STATE;
    return { version: 1, servers: value.servers };
  } catch {
    return EMPTY_STATE;
  }
}

export function findServer(state: TestbedState, id: string): RecordedServer | undefined {
  return state.servers.find((s) => s.id === id);
}

export function recordServer(state: TestbedState, server: RecordedServer): TestbedState {
  return { ...state, servers: [...state.servers.filter((s) => s.id !== server.id), server] };
}

export function forgetServers(state: TestbedState, ids: readonly string[]): TestbedState {
  return { ...state, servers: state.servers.filter((s) => !ids.includes(s.id)) };
}

/** A recorded server that is running again is used by one more holder: a lease for a run, `keep` for the CLI. */
export function claimServer(state: TestbedState, id: string, holder: Lease | 'keep'): TestbedState {
  return {
    ...state,
    servers: state.servers.map((s) => {
      if (s.id !== id) return s;
      if (holder === 'keep') return { ...s, keep: true };
      return { ...s, leases: [...s.leases.filter((l) => l.token !== holder.token), holder] };
    }),
  };
}

export interface StopPlan {
  readonly state: TestbedState;
  readonly toStop: readonly RecordedServer[];
  /** Servers left running because a live test run still uses them. */
  readonly inUse: readonly RecordedServer[];
}

function liveLeases(server: RecordedServer, alive: (pid: number) => boolean): Lease[] {
  return server.leases.filter((l) => alive(l.pid));
}

/** A test run ends: drop its lease; stop what nobody keeps or uses any more (including leftovers of dead runs). */
export function releaseLease(state: TestbedState, token: string, alive: (pid: number) => boolean): StopPlan {
  const toStop: RecordedServer[] = [];
  const servers: RecordedServer[] = [];
  for (const server of state.servers) {
    const leases = liveLeases(server, alive).filter((l) => l.token !== token);
    if (!server.keep && leases.length === 0) toStop.push(server);
    else servers.push({ ...server, leases });
  }
  return { state: { ...state, servers }, toStop, inUse: [] };
}

/**
 * `testbed stop`: stop every recorded server nobody uses. One still leased by a live test run loses its `keep`
 * instead, so that run stops it when it ends.
 */
export function planCliStop(state: TestbedState, alive: (pid: number) => boolean): StopPlan {
  const toStop: RecordedServer[] = [];
  const inUse: RecordedServer[] = [];
  const servers: RecordedServer[] = [];
  for (const server of state.servers) {
    const leases = liveLeases(server, alive);
    if (leases.length === 0) {
      toStop.push(server);
    } else {
      const kept = { ...server, keep: false, leases };
      inUse.push(kept);
      servers.push(kept);
    }
  }
  return { state: { ...state, servers }, toStop, inUse };
}

/**
 * Whether a test run may have a moto port to itself (runs reset their emulator, so two runs must never share
 * one): nothing listens there, or it is a server the test bed recorded that no live run holds (kept by
 * `testbed start`, or left behind by a run that died). An unrecorded server may be someone else's.
 */
export function motoPortFreeForRun(
  listening: boolean,
  record: RecordedServer | undefined,
  alive: (pid: number) => boolean,
): boolean {
  if (!listening) return true;
  return record !== undefined && liveLeases(record, alive).length === 0;
}

/** The requested moto ports moved up by whole blocks, `attempt` blocks further (blocks of at least 10 ports). */
export function motoPortBlock(requested: readonly number[], attempt: number): number[] {
  const span = Math.max(...requested) - Math.min(...requested) + 1;
  const stride = Math.max(10, span);
  return requested.map((port) => port + attempt * stride);
}
