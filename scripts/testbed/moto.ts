import { join } from 'node:path';
import { HOST, type MotoProbe } from './plan';
import { findExecutable, portOpen, readTail, spawnDaemon, TestbedError, terminate, waitFor } from './proc';

export function motoUrl(port: number): string {
  return `http://${HOST}:${port}`;
}

export function findMotoServer(): string | undefined {
  return findExecutable(['moto_server']);
}

/** moto answers `GET /moto-api/` with its dashboard; anything else on the port is not ours to use. */
export async function probeMoto(port: number): Promise<MotoProbe> {
  try {
    const response = await fetch(`${motoUrl(port)}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    if (response.ok) return 'moto';
  } catch {
    // refused, reset or timed out: decide below from whether the port is open at all
  }
  return (await portOpen(port)) ? 'foreign' : 'absent';
}

export interface StartedMoto {
  readonly pid: number;
  /** False when another starter (outside our lock) won the port and its server answers instead. */
  readonly ours: boolean;
}

/** Starts moto_server on 127.0.0.1:port without EC2's default AMIs (DESIGN.md §8) and waits until it answers. */
export async function startMoto(port: number, logDir: string): Promise<StartedMoto> {
  const binary = findMotoServer();
  if (binary === undefined) throw new TestbedError('moto_server is not on PATH');
  const logFile = join(logDir, `moto-${port}.log`);
  const daemon = spawnDaemon(binary, ['-H', HOST, '-p', String(port)], logFile, {
    ...process.env,
    MOTO_EC2_LOAD_DEFAULT_AMIS: 'false',
  });
  await waitFor(`moto_server on ${motoUrl(port)}`, async () => (await probeMoto(port)) === 'moto', {
    timeoutMs: 60_000,
    giveUp: () => (daemon.exited() ? `it exited; log ${logFile}:\n${readTail(logFile)}` : undefined),
  }).catch(async (error: unknown) => {
    if (daemon.exited() && (await probeMoto(port)) === 'moto') return;
    await terminate(daemon.pid, true, 5_000);
    throw error;
  });
  return { pid: daemon.pid, ours: !daemon.exited() };
}

export async function stopMoto(pid: number): Promise<void> {
  await terminate(pid, true, 10_000);
}
