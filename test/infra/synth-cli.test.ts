import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/contract';

const workDir = mkdtempSync(join(tmpdir(), 'strongbox-cli-synth-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/**
 * The environment of a machine with no AWS account and no Docker: no AWS_* variables, no shared config or
 * credentials files (HOME is empty), no instance metadata, and no directory on PATH that holds a `docker`.
 */
function offlineEnvironment(): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !/^(AWS_|CDK_|VITEST|NODE_ENV$|DOCKER_)/.test(name));
  const path = [
    join(REPO_ROOT, 'node_modules', '.bin'),
    ...(process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '' && !existsSync(join(dir, 'docker'))),
  ].join(delimiter);
  return {
    ...Object.fromEntries(inherited),
    PATH: path,
    HOME: mkdtempSync(join(workDir, 'home-')),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(workDir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'no-aws-credentials'),
    CDK_DISABLE_VERSION_CHECK: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

describe('cdk synth', () => {
  it('synthesizes both stacks with the CLI, offline, without AWS credentials or a Docker engine', () => {
    // Prepare
    const env = offlineEnvironment();
    const outdir = join(workDir, 'cdk.out');
    const docker = spawnSync('sh', ['-c', 'command -v docker'], { env, encoding: 'utf8' });

    // Act
    const synth = spawnSync(
      join(REPO_ROOT, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--no-notices', '--output', outdir],
      { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 110_000 },
    );

    // Assess
    expect(docker.status, 'docker must not be reachable in this test').not.toBe(0);
    expect(synth.status, `cdk synth failed:\n${`${synth.stdout}\n${synth.stderr}`.slice(-4000)}`).toBe(0);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string }>;
    };
    const stacks = Object.entries(manifest.artifacts)
      .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
      .map(([id]) => id);
    expect(stacks.sort()).toEqual(['Strongbox-dev-Data', 'Strongbox-dev-Service']);
    for (const stack of stacks) expect(existsSync(join(outdir, `${stack}.template.json`)), stack).toBe(true);
  }, 120_000);
});
