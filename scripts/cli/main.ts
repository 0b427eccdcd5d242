import { parseArgs } from 'node:util';
import { backups } from './commands/backups';
import { audit, policies, retention, sources } from './commands/more';
import { restores } from './commands/restores';
import { login, logout, whoami } from './commands/session';
import { type Context, type Flags, makeContext } from './context';
import { CliError, EXIT, type Io, note, print, usageError } from './io';

const HELP = `strongbox — the Strongbox backup service from the command line

  strongbox login --local [principal] [--local-file F]  local mode (.strongbox/local.json; acme, acmeApprover, …)
  strongbox login --api URL --token-stdin               a deployed API (the token on stdin; --token T also works)
  strongbox whoami | logout
  strongbox sources list | show ID | delete ID
  strongbox sources create --file body.json | --name N --type postgres|mysql --host H --port P
                           --database D --username U --password-stdin
  strongbox backups list [--source ID] [--limit N] [--all]
  strongbox backups create --source ID [--wait] [--idempotency-key K]
  strongbox backups show ID | download ID [--output FILE] | verify ID [--wait]
  strongbox backups hold ID [--reason TEXT] | release ID        legal holds (admins)
  strongbox restores list | show ID
  strongbox restores create --backup ID (--database NAME [--replace] | --target-json JSON) [--tables a,b] [--wait]
  strongbox restores approve ID [--reason TEXT] [--wait] | reject ID [--reason TEXT]
  strongbox policies list | show ID
  strongbox retention preview [--source ID]                    every source's plan without --source
  strongbox audit list [--limit N] [--all] | verify

Global: --json (the API's JSON on stdout, nothing else), --profile NAME, --api URL, --token T, --tenant T (operators),
        --no-progress, --timeout SECONDS (for --wait; default 3600).
Progress and errors go to stderr. Exit codes:
  0 ok                  1 unexpected error        2 usage (unknown command or flag, missing argument)
  3 not logged in, 401 or 403                     4 not found (404)
  5 refused (400, 409, 429: the API's code, message and fields are printed)
  6 the awaited backup/restore/verification failed or was rejected, or a download's checksum did not match
  7 timed out waiting   8 API or storage unreachable, or 5xx`;

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  api: { type: 'string' },
  token: { type: 'string' },
  profile: { type: 'string' },
  tenant: { type: 'string' },
  'no-progress': { type: 'boolean' },
  timeout: { type: 'string' },
  wait: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  source: { type: 'string' },
  backup: { type: 'string' },
  database: { type: 'string' },
  'target-json': { type: 'string' },
  tables: { type: 'string' },
  replace: { type: 'boolean' },
  limit: { type: 'string' },
  all: { type: 'boolean' },
  reason: { type: 'string' },
  comment: { type: 'string' },
  local: { type: 'boolean' },
  'local-file': { type: 'string' },
  'token-stdin': { type: 'boolean' },
  'password-stdin': { type: 'boolean' },
  file: { type: 'string' },
  name: { type: 'string' },
  type: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  username: { type: 'string' },
  'idempotency-key': { type: 'string' },
} as const;

const GROUPS: Record<string, (context: Context, action: string) => Promise<void>> = {
  sources,
  backups,
  restores,
  policies,
  retention,
  audit,
};

async function dispatch(io: Io, argv: readonly string[]): Promise<void> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError((error as Error).message);
  }
  const [group, ...rest] = parsed.positionals;
  if (parsed.values.help || group === undefined || group === 'help') {
    print(io, HELP);
    return;
  }
  const flags = parsed.values as Flags;
  if (group === 'login') return login(makeContext(io, flags, rest));
  if (group === 'logout') return logout(makeContext(io, flags, rest));
  if (group === 'whoami') return whoami(makeContext(io, flags, rest));
  const command = GROUPS[group];
  const [action, ...args] = rest;
  if (!command) throw usageError(`unknown command: ${group} (strongbox --help lists them)`);
  if (action === undefined) throw usageError(`${group} needs a command (strongbox --help)`);
  return command(makeContext(io, flags, args), action);
}

/** Runs one command line; returns the exit code (errors are printed to stderr, never with a token). */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  try {
    await dispatch(io, argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CliError) {
      note(io, `strongbox: ${error.message}`);
      return error.exitCode;
    }
    note(io, `strongbox: unexpected error: ${(error as Error).message}`);
    return EXIT.unexpected;
  }
}

if (process.argv[1] && /scripts[/\\]cli[/\\]main\.ts$/.test(process.argv[1])) {
  const io: Io = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
  process.exitCode = await run(process.argv.slice(2), io);
}
