import { ApiClient } from './client';
import { loadProfile } from './config';
import { CliError, EXIT, type Io, usageError } from './io';
import { Progress } from './progress';

/** The parsed command line every command gets. */
export interface Flags {
  readonly json?: boolean;
  readonly api?: string;
  readonly token?: string;
  readonly profile?: string;
  readonly tenant?: string;
  readonly 'no-progress'?: boolean;
  readonly timeout?: string;
  readonly wait?: boolean;
  readonly output?: string;
  readonly source?: string;
  readonly backup?: string;
  readonly database?: string;
  readonly 'target-json'?: string;
  readonly tables?: string;
  readonly replace?: boolean;
  readonly limit?: string;
  readonly all?: boolean;
  readonly reason?: string;
  readonly comment?: string;
  readonly local?: boolean;
  readonly 'local-file'?: string;
  readonly 'token-stdin'?: boolean;
  readonly 'password-stdin'?: boolean;
  readonly file?: string;
  readonly name?: string;
  readonly type?: string;
  readonly host?: string;
  readonly port?: string;
  readonly username?: string;
  readonly 'idempotency-key'?: string;
}

export interface Context {
  readonly io: Io;
  readonly flags: Flags;
  readonly args: readonly string[];
  readonly json: boolean;
  readonly progress: Progress;
  readonly timeoutSeconds: number;
  client(): ApiClient;
}

export function makeContext(io: Io, flags: Flags, args: readonly string[]): Context {
  const json = flags.json === true;
  const timeoutSeconds = flags.timeout === undefined ? 3600 : Number(flags.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw usageError('--timeout takes seconds (> 0)');
  return {
    io,
    flags,
    args,
    json,
    // Progress is on stderr, so --json (stdout) keeps it; only --no-progress turns it off.
    progress: new Progress(io, flags['no-progress'] !== true),
    timeoutSeconds,
    client: () => {
      const profile = loadProfile(io, flags.profile ?? 'default', flags);
      return new ApiClient(profile.apiUrl, profile.token, flags.tenant);
    },
  };
}

/** The n-th positional argument after the command, or a usage error naming it. */
export function arg(context: Context, index: number, name: string): string {
  const value = context.args[index];
  if (value === undefined || value === '') throw usageError(`missing ${name}`);
  return value;
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw usageError(`missing --${flag}`);
  return value;
}

export function limitQuery(flags: Flags): string {
  if (flags.limit === undefined) return '';
  const limit = Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw usageError('--limit takes 1 to 100');
  return `limit=${limit}`;
}

export function outcomeFailed(message: string): CliError {
  return new CliError(message, EXIT.outcomeFailed);
}
