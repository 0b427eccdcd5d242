import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../lambdas/adapters/aws/clients';

export interface TestResources {
  readonly bucket: string;
  readonly tableName: string;
  readonly keyArn: string;
}

/**
 * PROVISIONAL: creates the vault bucket, catalog table and data key on the emulator by hand.
 * Local mode's template-driven provisioning (scripts/local) replaces this, so tests and `npm start`
 * get the resources exactly as the CDK stack defines them.
 */
export async function createTestResources(clients: AwsClients): Promise<TestResources> {
  const bucket = 'strongbox-test-vault';
  const tableName = 'strongbox-test-catalog';
  const key = await clients.kms.send(new CreateKeyCommand({ Description: 'strongbox test data key' }));
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await clients.s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  await clients.dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gsi1pk', AttributeType: 'S' },
        { AttributeName: 'gsi1sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  return { bucket, tableName, keyArn: key.KeyMetadata?.Arn ?? '' };
}
