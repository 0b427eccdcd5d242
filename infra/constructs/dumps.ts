import { Duration, Size } from 'aws-cdk-lib';
import type { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import { LambdaDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Construct } from 'constructs';
import { ENTRIES } from '../contract';
import type { DataAccess } from './data-access';
import { type FunctionNetwork, StrongboxFunction, StrongboxImageFunction } from './function';
import { acknowledgeWildcardResources } from './nag';

export interface DumpsProps {
  readonly image: DockerImageAsset;
  readonly data: DataAccess;
  /** Environment shared by every function of the service (the runtime env contract). */
  readonly environment: Record<string, string>;
  /** @default - functions outside any VPC */
  readonly network?: FunctionNetwork;
}

/**
 * Logical dump backups, started asynchronously by the API with `{tenantId, backupId}`:
 * run-dump streams the dump into the vault; a crash or timeout is never retried (a second dump would race
 * the first) but goes to dump-failed, which marks the backup failed; verify-backup re-reads a stored backup.
 */
export class Dumps extends Construct {
  readonly runDump: StrongboxImageFunction;
  readonly dumpFailed: StrongboxFunction;
  readonly verifyBackup: StrongboxFunction;

  constructor(scope: Construct, id: string, props: DumpsProps) {
    super(scope, id);
    const { data, environment, network } = props;

    this.dumpFailed = new StrongboxFunction(this, 'DumpFailed', {
      entry: ENTRIES.dumpFailed,
      description: 'Marks a backup failed when its dump worker crashed or timed out',
      environment,
      timeout: Duration.minutes(1),
    });
    data.grantCatalogReadWrite(this.dumpFailed);

    this.runDump = new StrongboxImageFunction(this, 'RunDump', {
      entry: ENTRIES.runDump,
      image: props.image,
      description: 'Streams a pg_dump / mariadb-dump of a source into the vault',
      environment,
      timeout: Duration.minutes(15),
      memorySize: 1_536,
      ephemeralStorageSize: Size.gibibytes(1),
      ...(network === undefined ? {} : { network }),
      async: {
        retryAttempts: 0,
        maxEventAge: Duration.hours(1),
        onFailure: new LambdaDestination(this.dumpFailed.function, { responseOnly: false }),
      },
    });
    data.grantCatalogReadWrite(this.runDump);
    data.grantSecretsRead(this.runDump);
    data.grantVaultWrite(this.runDump);
    acknowledgeWildcardResources(
      this.runDump,
      [`${this.dumpFailed.functionArn}:*`],
      'The on-failure destination grant (lambda:InvokeFunction) also covers versions and aliases of dump-failed; ' +
        'it names that one function.',
    );

    this.verifyBackup = new StrongboxFunction(this, 'VerifyBackup', {
      entry: ENTRIES.verifyBackup,
      description: 'Re-reads a stored backup and checks its SHA-256 against the manifest',
      environment,
      timeout: Duration.minutes(15),
      memorySize: 1_024,
    });
    data.grantCatalogReadWrite(this.verifyBackup);
    data.grantVaultRead(this.verifyBackup);
  }
}
