import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app-factory';
import { loadStageConfig, parseStageConfig } from '../../infra/config';
import { REPO_ROOT } from '../../infra/contract';
import { devConfig } from './support';

const configDir = join(REPO_ROOT, 'config');
const scratch = mkdtempSync(join(tmpdir(), 'strongbox-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('stage configuration', () => {
  it('loads the committed dev and local configurations', () => {
    // Prepare
    const stages = ['dev', 'local'];

    // Act
    const configs = stages.map((stage) => loadStageConfig(stage, configDir));

    // Assess
    expect(configs.map((config) => config.stage)).toEqual(stages);
    for (const config of configs) {
      expect(config.secretPrefix).toBe('strongbox/');
      expect(config.vault.noncurrentVersionExpirationDays).toBeGreaterThan(0);
      expect(config.network).toBeUndefined();
    }
  });

  it('fills in defaults for what a stage leaves out', () => {
    // Prepare
    const minimal = {
      stage: 'qa',
      vault: { noncurrentVersionExpirationDays: 30 },
      auth: { issuer: 'https://issuer.example', audience: 'strongbox', jwksUrl: 'https://issuer.example/jwks.json' },
    };

    // Act
    const config = parseStageConfig(minimal);

    // Assess
    expect(config).toMatchObject({
      allowedSourceCidrs: [],
      secretPrefix: 'strongbox/',
      downloadUrlTtlSeconds: 900,
      api: { throttlingRateLimit: 50, throttlingBurstLimit: 100, wafRequestsPerFiveMinutes: 2000 },
      retention: { scheduleExpression: 'cron(0 2 * * ? *)', scheduleTimeZone: 'UTC' },
    });
    // The prune knobs stay unset: the runtime's defaults (lambdas/shared/env.ts) apply.
    expect(Object.keys(config.retention).sort()).toEqual(['scheduleExpression', 'scheduleTimeZone']);
  });

  it('accepts a prune schedule as a Scheduler cron or rate expression in an IANA time zone, and the prune knobs', () => {
    // Prepare
    const retention = [
      { scheduleExpression: 'cron(15 1 ? * MON-FRI *)', scheduleTimeZone: 'Europe/Zurich' },
      { scheduleExpression: 'rate(12 hours)', scheduleTimeZone: 'America/Argentina/Buenos_Aires' },
      { scheduleExpression: 'rate(1 day)', pruneStepSeconds: 840, ec2DeleteRate: 2.5, ec2DeleteBurst: 20 },
      { maxDeleteShare: 0, maxDeleteCount: 0 },
    ];

    // Act
    const configs = retention.map((value) => parseStageConfig({ ...devConfig(), retention: value }));

    // Assess
    expect(configs.map((config) => config.retention)).toEqual([
      retention[0],
      retention[1],
      { ...retention[2], scheduleTimeZone: 'UTC' },
      { ...retention[3], scheduleExpression: 'cron(0 2 * * ? *)', scheduleTimeZone: 'UTC' },
    ]);
  });

  it.each([
    ['an unknown key', { surprise: true }, '(root)'],
    ['a CIDR without a prefix length', { allowedSourceCidrs: ['10.0.0.1'] }, 'allowedSourceCidrs.0'],
    ['a secret prefix without a trailing slash', { secretPrefix: 'strongbox' }, 'secretPrefix'],
    [
      'an Object Lock mode that does not exist',
      { vault: { noncurrentVersionExpirationDays: 1, objectLock: { mode: 'LEGAL', days: 1 } } },
      'vault.objectLock.mode',
    ],
    ['a JWKS URL that is not a URL', { auth: { issuer: 'x', audience: 'y', jwksUrl: 'jwks.json' } }, 'auth.jwksUrl'],
    [
      'a subnet id that is not one',
      { network: { vpcId: 'vpc-0abc', subnetIds: ['private-a'], securityGroupIds: ['sg-0abc'] } },
      'network.subnetIds.0',
    ],
    ['a download URL lifetime above 15 minutes', { downloadUrlTtlSeconds: 3600 }, 'downloadUrlTtlSeconds'],
    [
      'a five-field (Unix) cron schedule',
      { retention: { scheduleExpression: 'cron(0 2 * * *)' } },
      'retention.scheduleExpression',
    ],
    [
      'a rate with a singular unit for 2',
      { retention: { scheduleExpression: 'rate(2 day)' } },
      'retention.scheduleExpression',
    ],
    [
      'a one-time at() schedule',
      { retention: { scheduleExpression: 'at(2026-01-01T00:00:00)' } },
      'retention.scheduleExpression',
    ],
    [
      'a time zone that does not exist',
      { retention: { scheduleTimeZone: 'Mars/Olympus_Mons' } },
      'retention.scheduleTimeZone',
    ],
    [
      'a prune step longer than the function may run',
      { retention: { pruneStepSeconds: 900 } },
      'retention.pruneStepSeconds',
    ],
    ['a brake share above 1', { retention: { maxDeleteShare: 1.5 } }, 'retention.maxDeleteShare'],
    ['an unknown retention key', { retention: { keepDaily: 7 } }, 'retention'],
  ])('rejects %s and names the field', (_case, override, field) => {
    // Prepare
    const config = { ...devConfig(), ...override };

    // Act
    const parse = () => parseStageConfig(config);

    // Assess
    expect(parse).toThrow(`invalid stage configuration: ${field}`);
  });

  it('refuses a file that names another stage than its file name', () => {
    // Prepare
    writeFileSync(join(scratch, 'prod.json'), JSON.stringify({ ...devConfig(), stage: 'dev' }));

    // Act
    const load = () => loadStageConfig('prod', scratch);

    // Assess
    expect(load).toThrow('names stage "dev", expected "prod"');
  });

  it('refuses a stage whose file does not exist', () => {
    // Prepare
    const stage = 'nowhere';

    // Act
    const load = () => loadStageConfig(stage, scratch);

    // Assess
    expect(load).toThrow(`cannot read stage configuration ${join(scratch, 'nowhere.json')}`);
  });

  it('builds the stacks of the stage named in the cdk context, from its file', () => {
    // Prepare
    const { stage: _stage, ...qa } = { ...devConfig(), auth: { ...devConfig().auth, audience: 'strongbox-qa' } };
    writeFileSync(join(scratch, 'qa.json'), JSON.stringify(qa));

    // Act
    const { app, config, dataStack, serviceStack } = buildApp({
      configDir: scratch,
      outdir: mkdtempSync(join(scratch, 'cdk.out-')),
      context: { stage: 'qa', 'aws:cdk:bundling-stacks': [] },
    });

    // Assess
    expect(config.stage).toBe('qa');
    expect(config.auth.audience).toBe('strongbox-qa');
    expect([dataStack.stackName, serviceStack.stackName]).toEqual(['Strongbox-qa-Data', 'Strongbox-qa-Service']);
    expect(serviceStack.dependencies).toContain(dataStack);
    expect(app.node.tryGetContext('@aws-cdk/aws-iam:minimizePolicies')).toBe(true);
  });
});
