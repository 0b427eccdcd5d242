/**
 * Runs a database command-line tool (pg_dump, pg_restore, mariadb-dump, mariadb…) as a child process, for the
 * dump writers and the restore loaders alike.
 *
 * API:
 * - `startTool(spec)` spawns `spec.command` with `spec.args` and returns a `RunningTool`:
 *   - `stdout` (unless `spec.stdout === 'ignore'`) and `stdin` (when `spec.stdin === 'pipe'`): the child's streams.
 *   - `gate()`: a pass-through to place right after `stdout`. Its flush waits for the exit status and errors the
 *     stream unless the tool exited 0, so a tool that dies mid-stream can never look like a complete stream (R3).
 *   - `wait()`: resolves when the tool exited 0, rejects with `spec.failure(message)` otherwise (DumpFailedError or
 *     RestoreFailedError: see tool-errors.ts). The message names the tool and its exit status and carries the
 *     redacted tail of its stderr (`spec.focus` may first keep only the lines that matter).
 *   - `exited`: the raw exit status (never rejects); `exitedOk(exit)` tells success.
 *   - `kill()`: safe at any time. A tool reading stdin gets SIGKILL at once: after a failure it must never see its
 *     input end cleanly. A producer gets SIGTERM (pg_dump then cancels its query), SIGKILL after a grace period.
 *   - `redact(text)`: scrubs `spec.secrets` and credential shapes from any text about this run.
 * - `requireTool(candidates, failure)`: the first candidate found on PATH (e.g. mariadb-dump, then mysqldump).
 * - `toolVersion(command)`: the first line of `command --version`.
 *
 * The child's environment is built from scratch: `toolEnvironment(spec.env)`, i.e. PATH, a fixed locale and what
 * the caller adds (PGPASSFILE, HOME in its workspace…). Nothing is inherited, so neither the Lambda's AWS
 * credentials nor a PGPASSWORD/MYSQL_PWD of this process reaches a database tool (R16). stderr is kept bounded
 * (its last 64 KiB); only a redacted tail ever leaves this module.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { Transform } from 'node:stream';
import { redact, redactedTail } from '../../domain/redact';

export interface ToolSpec {
  readonly command: string;
  readonly args: readonly string[];
  /** Variables for the child besides PATH and the locale. Never a secret. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory; the caller's workspace, so that whatever the tool writes is removed with it. */
  readonly cwd?: string;
  readonly stdin?: 'pipe' | 'ignore';
  readonly stdout?: 'pipe' | 'ignore';
  /** Values that must never appear in an error message (the password). */
  readonly secrets: readonly string[];
  /** Builds the error thrown when the tool fails (DumpFailedError for dumps, RestoreFailedError for loads). */
  readonly failure: (message: string) => Error;
  /** Reduces stderr to what the error message should carry (e.g. drop echoed statements full of row data). */
  readonly focus?: (stderr: string) => string;
  /** Name used in messages; defaults to the command's base name. */
  readonly label?: string;
}

export interface ToolExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the tool could not be started at all (e.g. ENOENT). */
  readonly spawnError?: Error;
}

export interface RunningTool {
  readonly label: string;
  readonly pid: number | undefined;
  readonly stdout: Readable;
  readonly stdin: Writable | null;
  readonly exited: Promise<ToolExit>;
  gate(): Transform;
  wait(): Promise<void>;
  kill(): void;
  stderrTail(): string;
  redact(text: string): string;
}

const STDERR_KEEP_CHARS = 64 * 1024;
const KILL_GRACE_MS = 5_000;

/** The whole environment a tool gets: PATH to find it, a fixed locale, and what the caller adds. */
function toolEnvironment(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', ...extra };
}

export function exitedOk(exit: ToolExit): boolean {
  return exit.code === 0 && exit.signal === null && exit.spawnError === undefined;
}

function describeExit(exit: ToolExit): string {
  if (exit.spawnError) return `could not be started (${exit.spawnError.message})`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}

class Tool implements RunningTool {
  readonly exited: Promise<ToolExit>;
  readonly label: string;
  private stderr = '';
  private failureError: Error | undefined;
  private killTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly child: ChildProcess,
    private readonly spec: ToolSpec,
  ) {
    this.label = spec.label ?? spec.command.split('/').pop() ?? spec.command;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-STDERR_KEEP_CHARS);
    });
    // A tool may exit before reading all of its input; whoever writes sees EPIPE through its own pipeline.
    child.stdin?.on('error', () => undefined);
    this.exited = new Promise<ToolExit>((resolve) => {
      // Without a pid the tool never started; a later 'error' (a failed kill) must not pass for its exit.
      child.on('error', (error) => {
        if (child.pid === undefined) resolve({ code: null, signal: null, spawnError: error });
      });
      // 'close' (not 'exit'): stderr is complete by then, so the error message has the tool's last words.
      child.once('close', (code, signal) => resolve({ code, signal }));
    }).finally(() => clearTimeout(this.killTimer));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stdout(): Readable {
    if (!this.child.stdout) throw new Error(`${this.label} has no stdout pipe`);
    return this.child.stdout;
  }

  get stdin(): Writable | null {
    return this.child.stdin;
  }

  gate(): Transform {
    return new Transform({
      transform: (chunk, _encoding, callback) => callback(null, chunk),
      flush: (callback) => {
        this.wait().then(
          () => callback(),
          (error: Error) => callback(error),
        );
      },
    });
  }

  async wait(): Promise<void> {
    const exit = await this.exited;
    if (exitedOk(exit)) return;
    this.failureError ??= this.spec.failure(this.failureMessage(exit));
    throw this.failureError;
  }

  kill(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null || this.child.pid === undefined) return;
    if (this.spec.stdin === 'pipe') {
      this.child.kill('SIGKILL');
      return;
    }
    this.child.kill('SIGTERM');
    this.killTimer ??= setTimeout(() => {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    }, KILL_GRACE_MS);
    this.killTimer.unref();
  }

  stderrTail(): string {
    return redactedTail(this.spec.focus ? this.spec.focus(this.stderr) : this.stderr, this.spec.secrets);
  }

  redact(text: string): string {
    return redact(text, this.spec.secrets);
  }

  private failureMessage(exit: ToolExit): string {
    const tail = this.stderrTail();
    return `${this.label} ${this.redact(describeExit(exit))}${tail ? `: ${tail}` : ''}`;
  }
}

export function startTool(spec: ToolSpec): RunningTool {
  const child = spawn(spec.command, [...spec.args], {
    env: toolEnvironment(spec.env),
    ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
    stdio: [spec.stdin ?? 'ignore', spec.stdout ?? 'pipe', 'pipe'],
    windowsHide: true,
  });
  return new Tool(child, spec);
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first of `candidates` found on PATH (absolute paths are checked as they are); when there is none,
 * throws `failure(message)`.
 */
export async function requireTool(candidates: readonly string[], failure: (message: string) => Error): Promise<string> {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const candidate of candidates) {
    const paths = candidate.includes('/') ? [candidate] : dirs.map((dir) => join(dir, candidate));
    for (const path of paths) {
      if (await isExecutable(path)) return path;
    }
  }
  throw failure(`none of ${candidates.join(', ')} is installed on this worker`);
}

/** First line of `<command> --version`, e.g. "pg_dump (PostgreSQL) 15.18". */
export function toolVersion(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, ['--version'], { env: toolEnvironment(), timeout: 10_000 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout.split('\n')[0]?.trim() ?? '');
    });
  });
}
