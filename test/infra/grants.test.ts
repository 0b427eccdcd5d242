import { describe, expect, it } from 'vitest';
import { ENTRIES, entryPath } from '../../infra/contract';
import { type CfnResource, functionByEntry, resourcesOfType, synth } from './support';

/** Every statement of the IAM policies attached to the role of one function. */
function statementsOf(template: ReturnType<typeof synth>['service'], fn: CfnResource): unknown[] {
  const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${role}"`))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: unknown[] }).Statement);
}

describe('least-privilege grants', () => {
  it('lets the sources API manage secrets only under the configured prefix, never read them', () => {
    // Prepare
    const { service } = synth();
    const sources = functionByEntry(service, entryPath(ENTRIES.sources)).resource;

    // Act
    const statements = JSON.stringify(statementsOf(service, sources));

    // Assess
    expect(statements).toContain('secretsmanager:CreateSecret');
    expect(statements).toContain('secretsmanager:DeleteSecret');
    expect(statements).not.toContain('secretsmanager:GetSecretValue');
    expect(statements).toContain(':secret:strongbox/*');
  });

  it('lets the backups API read the vault for pre-signed downloads and start the dump and verify workers', () => {
    // Prepare
    const { service } = synth();
    const backups = functionByEntry(service, entryPath(ENTRIES.backups)).resource;
    const runDump = functionByEntry(service, entryPath(ENTRIES.runDump)).logicalId;
    const verify = functionByEntry(service, entryPath(ENTRIES.verifyBackup)).logicalId;

    // Act
    const statements = statementsOf(service, backups);

    // Assess
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 's3:ListBucket' }),
        expect.objectContaining({
          Action: expect.arrayContaining(['s3:GetObject', 's3:GetObjectVersion']),
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':s3:::',
                { 'Fn::ImportValue': 'Strongbox-dev-Data:VaultBucketName' },
                '/tenants/*',
              ],
            ],
          },
        }),
        expect.objectContaining({
          Action: 'kms:Decrypt',
          Condition: {
            StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
          },
        }),
        expect.objectContaining({
          Action: 'lambda:InvokeFunction',
          Resource: expect.arrayContaining([{ 'Fn::GetAtt': [runDump, 'Arn'] }, { 'Fn::GetAtt': [verify, 'Arn'] }]),
        }),
      ]),
    );
    expect(JSON.stringify(statements)).not.toContain('s3:PutObject');
  });

  it('lets the restores API start the restore machine and resume it after an approval', () => {
    // Prepare
    const { service } = synth();
    const restores = functionByEntry(service, entryPath(ENTRIES.restores)).resource;

    // Act
    const statements = statementsOf(service, restores) as { Action: string | string[]; Resource: unknown }[];

    // Assess
    const onRestoreMachine = statements.filter(
      (statement) => JSON.stringify(statement.Resource).match(/"Ref":"RestoreStateMachine/) !== null,
    );
    const actions = onRestoreMachine.flatMap((statement) => [statement.Action].flat());
    // Start restores, and resume one waiting for approval (SendTaskSuccess/Failure); nothing else on the machine.
    expect(actions.sort()).toEqual(
      ['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess', 'states:StartExecution'].sort(),
    );
  });

  it('lets the dump worker write to the vault under tenants/ and read secrets', () => {
    // Prepare
    const { service } = synth();
    const runDump = functionByEntry(service, entryPath(ENTRIES.runDump)).resource;

    // Act
    const statements = JSON.stringify(statementsOf(service, runDump));

    // Assess
    expect(statements).toContain('s3:PutObject');
    expect(statements).toContain('s3:AbortMultipartUpload');
    expect(statements).toContain('secretsmanager:GetSecretValue');
    expect(statements).toContain('dynamodb:UpdateItem');
    expect(statements).toContain('kms:GenerateDataKey');
  });

  it('scopes catalog access to the table and its gsi1 index', () => {
    // Prepare
    const { service } = synth();
    const complete = functionByEntry(service, entryPath(ENTRIES.restoreComplete)).resource;

    // Act
    const catalog = statementsOf(service, complete).find((statement) =>
      JSON.stringify(statement).includes('dynamodb:PutItem'),
    );

    // Assess
    expect(JSON.stringify(catalog)).toContain('table/');
    expect(JSON.stringify(catalog)).toContain('/index/gsi1');
    expect(JSON.stringify(catalog)).not.toContain('index/*');
  });

  it('lets no role bypass Object Lock, and only the prune step delete object versions (DESIGN.md §9 P7)', () => {
    // Prepare
    const { service } = synth();
    const prune = functionByEntry(service, entryPath(ENTRIES.prune)).resource;
    const pruneRole = (prune.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

    // Act
    const policies = Object.values(resourcesOfType(service, 'AWS::IAM::Policy'));

    // Assess
    for (const policy of policies) {
      const text = JSON.stringify(policy.Properties.PolicyDocument);
      expect(text).not.toContain('s3:BypassGovernanceRetention');
      expect(text).not.toContain('s3:PutObjectRetention');
      expect(text).not.toMatch(/"s3:\*"|"s3:Delete\*"/);
      if (text.includes('s3:DeleteObjectVersion')) {
        expect(JSON.stringify(policy.Properties.Roles)).toContain(`"${pruneRole}"`);
      }
    }
  });
});
