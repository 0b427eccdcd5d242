import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';

/** Anything the test bed could not do, with what a person needs to fix it. */
export class TestbedError extends Error {
  override readonly name = 'TestbedError';
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
  /** Run as this OS user (root only), through runuser. */
  readonly runAs?: string;
  /**
   * Send the command's output to this file instead of pipes: commands that start daemons (pg_ctl) can leave
   * the daemon holding inherited pipes, and a pipe held open would never let the command be seen as finished.
   */
  readonly logFile?: string;
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly code: number;
  readonly output: string;
}

function withRunAs(command: string, args: readonly string[], runAs: string | undefined): [string, string[]] {
  return runAs === undefined ? [command, [...args]] : ['runuser', ['-u', runAs, '--', command, ...args]];
}

/** Runs a command to completion; resolves with its exit code and combined output (never rejects on exit code). */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, argv] = withRunAs(command, args, options.runAs);
  return new Promise((resolve, reject) => {
    const logFd = options.logFile === undefined ? undefined : openSync(options.logFile, 'a');
    const child = spawn(file, argv, {
      cwd: options.cwd ?? '/',
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', logFd ?? 'pipe', logFd ?? 'pipe'],
      timeout: options.timeoutMs ?? 300_000,
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (error) => {
      if (logFd !== undefined) closeSync(logFd);
      reject(new TestbedError(`could not run ${file}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      if (logFd !== undefined) closeSync(logFd);
      const logged = options.logFile === undefined ? output : readTail(options.logFile);
      resolve({ code: code ?? (signal ? 128 : 1), output: logged });
    });
    // A command that exits before reading its input (e.g. it cannot connect yet) must not crash us with EPIPE.
    child.stdin?.on('error', () => undefined);
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Like run, but a non-zero exit is an error carrying the output's tail. */
export async function runOk(command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    const shown = [options.runAs ? `(as ${options.runAs})` : '', command, ...args].filter(Boolean).join(' ');
    throw new TestbedError(`${shown} exited ${result.code}:\n${tailOf(result.output)}`);
  }
  return result.output;
}

export function tailOf(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function readTail(file: string, lines = 20): string {
  try {
    return tailOf(readFileSync(file, 'utf8'), lines);
  } catch {
    return '';
  }
}

export interface Daemon {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Set once the process has exited (e.g. it could not bind its port). */
  exited(): boolean;
}

/** Starts a long-running process in its own process group, detached from ours, output to a log file. */
export function spawnDaemon(
  command: string,
  args: readonly string[],
  logFile: string,
  env?: NodeJS.ProcessEnv,
): Daemon {
  const logFd = openSync(logFile, 'a');
  const child = spawn(command, [...args], {
    cwd: '/',
    env: env ?? process.env,
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  let hasExited = false;
  child.on('exit', () => {
    hasExited = true;
  });
  child.on('error', () => {
    hasExited = true;
  });
  child.unref();
  if (child.pid === undefined) throw new TestbedError(`could not start ${command}`);
  return { child, pid: child.pid, exited: () => hasExited };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns true; throws with `what` on timeout or when `giveUp` says it never will. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number; giveUp?: () => string | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (await check()) return;
    const reason = options.giveUp?.();
    if (reason !== undefined) throw new TestbedError(`${what}: ${reason}`);
    if (Date.now() > deadline) throw new TestbedError(`${what}: timed out after ${options.timeoutMs ?? 60_000} ms`);
    await sleep(options.intervalMs ?? 150);
  }
}

/** Alive and not a zombie: a container's PID 1 may never reap the daemons it inherited from an exited starter. */
function running(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Stops a process (group) with SIGTERM, then SIGKILL when it does not exit in time. */
export async function terminate(pid: number, group: boolean, graceMs = 30_000): Promise<void> {
  const target = group ? -pid : pid;
  const send = (signal: NodeJS.Signals) => {
    try {
      process.kill(target, signal);
    } catch {
      // already gone
    }
  };
  send('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (running(pid) && Date.now() < deadline) await sleep(100);
  if (!running(pid)) return;
  send('SIGKILL');
  const killDeadline = Date.now() + 10_000;
  while (running(pid)) {
    if (Date.now() > killDeadline) throw new TestbedError(`process ${pid} survived SIGKILL`);
    await sleep(100);
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The first executable found among the explicit candidates and then on PATH. */
export function findExecutable(names: readonly string[], extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...extraDirs, ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
