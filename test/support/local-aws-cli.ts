import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The real AWS CLI against local mode's endpoint. It runs asynchronously: the endpoint it talks to is served by this
 * very process, so a synchronous spawn would block the answers it waits for.
 */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where `aws` is on PATH; a clear error if it is not (CI machines have it preinstalled). */
export function awsCliPath(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'aws');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(
    'The AWS CLI (`aws`) is not on PATH. These tests drive local mode with the real CLI, which CI machines have ' +
      'preinstalled; install it (e.g. `apt-get install awscli` or `pip install awscli`) and run them again.',
  );
}

/**
 * The CLI's environment: this process's, without its AWS_* settings (local mode points AWS_ENDPOINT_URL at the
 * emulator), with dummy credentials and no user config, pager or instance metadata lookups.
 */
function cliEnvironment(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/nonexistent/strongbox-aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/strongbox-aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

export function awsCli(endpointUrl: string, args: readonly string[]): Promise<CliResult> {
  const argv = [...args, '--endpoint-url', endpointUrl, '--output', 'json'];
  return new Promise((resolve) => {
    execFile(awsCliPath(), argv, { env: cliEnvironment(), timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the CLI and parses its JSON output; a non-zero exit is an error that shows what the CLI said. */
export async function awsCliJson<T = Record<string, unknown>>(
  endpointUrl: string,
  args: readonly string[],
): Promise<T> {
  const result = await awsCli(endpointUrl, args);
  if (result.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as T;
}
