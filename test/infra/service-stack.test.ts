import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENTRIES, entryPath, REPO_ROOT } from '../../infra/contract';
import { devConfig, functionByEntry, functionsByEntry, resourcesOfType, synth } from './support';

const IMAGE_ENTRIES = [ENTRIES.runDump, ENTRIES.restorePreBackup, ENTRIES.restoreLoad].map(entryPath);
const API_ENTRIES = [ENTRIES.sources, ENTRIES.backups, ENTRIES.restores].map(entryPath);
const DATABASE_ENTRIES = [
  ENTRIES.runDump,
  ENTRIES.restorePreBackup,
  ENTRIES.restoreLoad,
  ENTRIES.restoreCheck,
  ENTRIES.restoreFail,
].map(entryPath);

describe('service stack functions', () => {
  it('has one function per entry of the contract table, each pointing at a file that exists', () => {
    // Prepare
    const { service } = synth();

    // Act
    const entries = [...functionsByEntry(service).keys()];

    // Assess
    expect(entries.sort()).toEqual(Object.values(ENTRIES).map(entryPath).sort());
    expect(Object.keys(resourcesOfType(service, 'AWS::Lambda::Function'))).toHaveLength(entries.length);
    for (const entry of entries) {
      expect(existsSync(join(REPO_ROOT, entry)), entry).toBe(true);
      expect(functionByEntry(service, entry).resource.Metadata?.['strongbox:handler']).toBe('handler');
    }
  });

  it('runs every function on arm64 with active tracing, zip on nodejs22.x or the worker image', () => {
    // Prepare
    const { service } = synth();

    // Act
    const functions = [...functionsByEntry(service)];

    // Assess
    for (const [entry, { resource }] of functions) {
      const props = resource.Properties;
      expect(props.Architectures, entry).toEqual(['arm64']);
      expect(props.TracingConfig, entry).toEqual({ Mode: 'Active' });
      expect(props.LoggingConfig, entry).toEqual({ LogGroup: { Ref: expect.any(String) } });
      if (IMAGE_ENTRIES.includes(entry)) {
        expect(props.PackageType, entry).toBe('Image');
        expect(props.Runtime, entry).toBeUndefined();
      } else {
        expect(props.Runtime, entry).toBe('nodejs22.x');
        expect(props.Handler, entry).toBe('index.handler');
      }
    }
  });

  it('gives each image function the CMD of its entry in the one worker image', () => {
    // Prepare
    const { service } = synth();

    // Act
    const images = IMAGE_ENTRIES.map((entry) => functionByEntry(service, entry).resource.Properties);

    // Assess
    const uris = new Set(images.map((props) => JSON.stringify((props.Code as { ImageUri: unknown }).ImageUri)));
    expect(uris.size).toBe(1);
    expect(images.map((props) => (props.ImageConfig as { Command: string[] }).Command)).toEqual([
      ['jobs/run-dump.handler'],
      ['workflows/restore-pre-backup.handler'],
      ['workflows/restore-load.handler'],
    ]);
  });

  it('keeps every function log group with a retention', () => {
    // Prepare
    const { service } = synth();

    // Act
    const groups = resourcesOfType(service, 'AWS::Logs::LogGroup');

    // Assess
    for (const { resource } of functionsByEntry(service).values()) {
      const groupId = (resource.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(groups[groupId]?.Properties.RetentionInDays).toBeGreaterThan(0);
    }
  });

  it('sets the env contract with one value per variable name across all functions', () => {
    // Prepare
    const { service } = synth();
    const valuesByName = new Map<string, Set<string>>();

    // Act
    for (const { resource } of functionsByEntry(service).values()) {
      for (const [name, value] of Object.entries(resource.Properties.Environment?.Variables ?? {})) {
        valuesByName.set(name, (valuesByName.get(name) ?? new Set()).add(JSON.stringify(value)));
      }
    }

    // Assess
    for (const [name, values] of valuesByName) expect([...values], name).toHaveLength(1);
    for (const { resource } of functionsByEntry(service).values()) {
      expect(resource.Properties.Environment?.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'strongbox',
        POWERTOOLS_METRICS_NAMESPACE: 'Strongbox',
        STRONGBOX_STAGE: 'dev',
        STRONGBOX_TABLE_NAME: { 'Fn::ImportValue': 'Strongbox-dev-Data:CatalogTableName' },
        STRONGBOX_VAULT_BUCKET: { 'Fn::ImportValue': 'Strongbox-dev-Data:VaultBucketName' },
        STRONGBOX_DATA_KEY_ARN: { 'Fn::ImportValue': 'Strongbox-dev-Data:DataKeyArn' },
        STRONGBOX_SECRET_PREFIX: 'strongbox/',
        STRONGBOX_ALLOWED_SOURCE_CIDRS: '10.0.0.0/8',
        STRONGBOX_DOWNLOAD_URL_TTL_SECONDS: '900',
      });
    }
  });

  it('tells only the API functions where the dump and verify workers and the restore machine are', () => {
    // Prepare
    const { service } = synth();
    const apiOnly = ['STRONGBOX_DUMP_FUNCTION', 'STRONGBOX_VERIFY_FUNCTION', 'STRONGBOX_RESTORE_STATE_MACHINE_ARN'];
    const runDump = functionByEntry(service, entryPath(ENTRIES.runDump)).logicalId;
    const verify = functionByEntry(service, entryPath(ENTRIES.verifyBackup)).logicalId;

    // Act
    const functions = [...functionsByEntry(service)];

    // Assess
    for (const [entry, { resource }] of functions) {
      const variables = resource.Properties.Environment?.Variables ?? {};
      const present = apiOnly.filter((name) => name in variables);
      // The dispatcher starts scheduled dumps, nothing else.
      const dispatcher = entry === entryPath(ENTRIES.dispatch) ? ['STRONGBOX_DUMP_FUNCTION'] : [];
      expect(present, entry).toEqual(API_ENTRIES.includes(entry) ? apiOnly : dispatcher);
      if (API_ENTRIES.includes(entry)) {
        expect(variables.STRONGBOX_DUMP_FUNCTION).toEqual({ Ref: runDump });
        expect(variables.STRONGBOX_VERIFY_FUNCTION).toEqual({ Ref: verify });
        expect(variables.STRONGBOX_RESTORE_STATE_MACHINE_ARN).toEqual({
          Ref: expect.stringMatching(/^RestoreStateMachine/),
        });
      }
    }
  });

  it('gives only the authorizer the issuer, audience and JWKS URL from the stage config', () => {
    // Prepare
    const config = devConfig();
    const { service } = synth(config);

    // Act
    const withJwt = [...functionsByEntry(service)].filter(
      ([, { resource }]) => 'STRONGBOX_JWT_ISSUER' in (resource.Properties.Environment?.Variables ?? {}),
    );

    // Assess
    expect(withJwt.map(([entry]) => entry)).toEqual([entryPath(ENTRIES.authorizer)]);
    expect(withJwt[0]?.[1].resource.Properties.Environment?.Variables).toMatchObject({
      STRONGBOX_JWT_ISSUER: config.auth.issuer,
      STRONGBOX_JWT_AUDIENCE: config.auth.audience,
      STRONGBOX_JWKS_URL: config.auth.jwksUrl,
    });
  });

  it('never retries the dump worker and sends its failures to dump-failed', () => {
    // Prepare
    const { service } = synth();
    const runDump = functionByEntry(service, entryPath(ENTRIES.runDump));
    const dumpFailed = functionByEntry(service, entryPath(ENTRIES.dumpFailed)).logicalId;

    // Act & Assess
    expect(runDump.resource.Properties).toMatchObject({
      Timeout: 900,
      MemorySize: 1536,
      EphemeralStorage: { Size: 1024 },
    });
    service.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: runDump.logicalId },
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dumpFailed, 'Arn'] } } },
    });
  });

  it('gives the long-running workers fifteen minutes', () => {
    // Prepare
    const { service } = synth();
    const workers = [ENTRIES.runDump, ENTRIES.verifyBackup, ENTRIES.restorePreBackup, ENTRIES.restoreLoad];

    // Act
    const timeouts = workers.map((entry) => functionByEntry(service, entryPath(entry)).resource.Properties.Timeout);

    // Assess
    expect(timeouts).toEqual([900, 900, 900, 900]);
  });

  it('keeps every function out of any VPC when the stage has no network', () => {
    // Prepare
    const { service } = synth();

    // Act
    const inVpc = [...functionsByEntry(service)].filter(([, { resource }]) => resource.Properties.VpcConfig);

    // Assess
    expect(inVpc).toEqual([]);
  });

  it('puts the database-reaching functions into the configured subnets and security groups', () => {
    // Prepare
    const config = devConfig({
      network: {
        vpcId: 'vpc-0123456789abcdef0',
        subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
        securityGroupIds: ['sg-0bbbbbbbbbbbbbbb1'],
      },
    });

    // Act
    const { service } = synth(config);

    // Assess
    for (const [entry, { resource }] of functionsByEntry(service)) {
      if (DATABASE_ENTRIES.includes(entry)) {
        expect(resource.Properties.VpcConfig, entry).toEqual({
          SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
          SecurityGroupIds: ['sg-0bbbbbbbbbbbbbbb1'],
        });
      } else {
        expect(resource.Properties.VpcConfig, entry).toBeUndefined();
      }
    }
    service.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    service.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.arrayWith([
        {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole'],
          ],
        },
      ]),
    });
  });
});
