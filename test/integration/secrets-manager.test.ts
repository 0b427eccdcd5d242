import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../lambdas/adapters/aws/clients';
import { SecretsManagerStore } from '../../lambdas/adapters/aws/secrets-manager';
import { UlidIdGenerator } from '../../lambdas/adapters/runtime';
import { createTestResources } from '../support/aws-resources';
import { awsTestSettings, resetMoto } from '../support/testbed';

const ids = new UlidIdGenerator();
const PASSWORD = 'pa55"wörd\'; DROP TABLE x; --{}';

describe('SecretsManagerStore', () => {
  const clients = createAwsClients(awsTestSettings());
  let keyArn: string;
  let store: SecretsManagerStore;

  beforeEach(async () => {
    await resetMoto();
    ({ keyArn } = await createTestResources(clients));
    store = new SecretsManagerStore(clients.secretsManager, { prefix: 'strongbox/', kmsKeyId: keyArn });
  });

  const describeSecret = (secretId: string) =>
    clients.secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  const settledMessage = async (attempt: Promise<unknown>) =>
    attempt.then(
      () => 'resolved',
      (error: Error) => `${error.name}: ${error.message} ${String(error.cause ?? '')}`,
    );

  it('stores the password under the tenant prefix, encrypted with the data key and tagged', async () => {
    // Prepare
    const sourceId = ids.next('source');

    // Act
    const ref = await store.putSourcePassword('acme', sourceId, PASSWORD);

    // Assess
    const described = await describeSecret(ref);
    expect(ref).toMatch(/^arn:aws:secretsmanager:/);
    expect(described.Name).toBe(`strongbox/acme/sources/${sourceId}`);
    expect(described.KmsKeyId).toBe(keyArn);
    expect(described.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'strongbox:tenant', Value: 'acme' },
        { Key: 'managed-by', Value: 'strongbox' },
      ]),
    );
    const raw = await clients.secretsManager.send(new GetSecretValueCommand({ SecretId: ref }));
    expect(JSON.parse(raw.SecretString ?? '')).toEqual({ password: PASSWORD });
  });

  it('returns the stored password to the owning tenant', async () => {
    // Prepare
    const ref = await store.putSourcePassword('acme', ids.next('source'), PASSWORD);

    // Act
    const password = await store.getSourcePassword('acme', ref);

    // Assess
    expect(password).toBe(PASSWORD);
  });

  it('replaces the password when the same source is stored again, keeping the reference', async () => {
    // Prepare
    const sourceId = ids.next('source');
    const first = await store.putSourcePassword('acme', sourceId, 'first-password');

    // Act
    const second = await store.putSourcePassword('acme', sourceId, PASSWORD);

    // Assess
    expect(second).toBe(first);
    expect(await store.getSourcePassword('acme', second)).toBe(PASSWORD);
  });

  it("refuses to read or delete another tenant's secret, which stays intact", async () => {
    // Prepare
    const ref = await store.putSourcePassword('acme', ids.next('source'), PASSWORD);

    // Act
    const read = await settledMessage(store.getSourcePassword('globex', ref));
    const deleted = await settledMessage(store.deleteSourcePassword('globex', ref));

    // Assess
    expect(read).toMatch(/^ForbiddenError: /);
    expect(deleted).toMatch(/^ForbiddenError: /);
    expect(read).not.toContain(PASSWORD);
    expect((await describeSecret(ref)).DeletedDate).toBeUndefined();
    expect(await store.getSourcePassword('acme', ref)).toBe(PASSWORD);
  });

  it('refuses references that are not secrets under the tenant prefix', async () => {
    // Prepare
    const sourceId = ids.next('source');
    const ref = await store.putSourcePassword('acme', sourceId, PASSWORD);
    const [head, name] = ref.split(':secret:') as [string, string];
    const other = new SecretsManagerStore(clients.secretsManager, { prefix: 'other/', kmsKeyId: keyArn });
    const refs = [
      `strongbox/acme/sources/${sourceId}`,
      `${head}:secret:${name.replace('strongbox/acme/', 'strongbox/acme-evil/')}`,
      `${head}:secret:${name.replace('strongbox/acme/', 'strongbox/acme/sources/../../globex/')}`,
      `${head}:secret:${name.replace(sourceId, 'src_1')}`,
      ref.replace(':secretsmanager:', ':ssm:'),
      '',
    ];

    // Act
    const outcomes = await Promise.all([
      ...refs.map((candidate) => settledMessage(store.getSourcePassword('acme', candidate))),
      settledMessage(other.getSourcePassword('acme', ref)),
    ]);

    // Assess
    for (const outcome of outcomes) expect(outcome).toMatch(/^ForbiddenError: /);
  });

  it('schedules deletion with a recovery window, after which the password is not found', async () => {
    // Prepare
    const sourceId = ids.next('source');
    const ref = await store.putSourcePassword('acme', sourceId, PASSWORD);

    // Act
    await store.deleteSourcePassword('acme', ref);

    // Assess
    expect((await describeSecret(ref)).DeletedDate).toBeInstanceOf(Date);
    await expect(store.getSourcePassword('acme', ref)).rejects.toMatchObject({
      name: 'NotFoundError',
      message: `source secret ${sourceId} was not found`,
    });
    await expect(store.deleteSourcePassword('acme', ref)).resolves.toBeUndefined();
  });

  it('deletes at once when asked to, and deleting again is a no-op', async () => {
    // Prepare
    const immediate = new SecretsManagerStore(clients.secretsManager, {
      prefix: 'strongbox/',
      kmsKeyId: keyArn,
      forceImmediateDelete: true,
    });
    const ref = await immediate.putSourcePassword('acme', ids.next('source'), PASSWORD);

    // Act
    await immediate.deleteSourcePassword('acme', ref);

    // Assess
    await expect(describeSecret(ref)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(immediate.getSourcePassword('acme', ref)).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(immediate.deleteSourcePassword('acme', ref)).resolves.toBeUndefined();
  });

  it('never puts the secret value into the errors it raises', async () => {
    // Prepare: a value that is not the expected JSON (JSON.parse would quote it) and a name scheduled for deletion
    const garbledId = ids.next('source');
    const garbled = await clients.secretsManager.send(
      new CreateSecretCommand({ Name: `strongbox/acme/sources/${garbledId}`, SecretString: `{${PASSWORD}` }),
    );
    const deletedId = ids.next('source');
    const deletedRef = await store.putSourcePassword('acme', deletedId, 'old-password');
    await store.deleteSourcePassword('acme', deletedRef);

    // Act
    const unreadable = await settledMessage(store.getSourcePassword('acme', garbled.ARN ?? ''));
    const refused = await settledMessage(store.putSourcePassword('acme', deletedId, PASSWORD));

    // Assess
    expect(unreadable).toContain(garbledId);
    expect(unreadable).not.toContain(PASSWORD);
    expect(unreadable).not.toContain('pa55');
    expect(refused).toMatch(/^ConflictError: the secret of source .* is scheduled for deletion/);
    expect(refused).not.toContain(PASSWORD);
  });

  it('refuses a secret holding JSON without a password string', async () => {
    // Prepare
    const ref = await store.putSourcePassword('acme', ids.next('source'), PASSWORD);
    await clients.secretsManager.send(
      new PutSecretValueCommand({ SecretId: ref, SecretString: JSON.stringify({ password: 42, note: PASSWORD }) }),
    );

    // Act
    const outcome = await settledMessage(store.getSourcePassword('acme', ref));

    // Assess
    expect(outcome).toMatch(/does not hold a password/);
    expect(outcome).not.toContain(PASSWORD);
  });

  it('refuses malformed tenant and source ids and a prefix that is not a path', async () => {
    // Act
    const outcomes = await Promise.all([
      settledMessage(store.putSourcePassword('Acme/..', ids.next('source'), PASSWORD)),
      settledMessage(store.putSourcePassword('acme', '../globex', PASSWORD)),
    ]);
    const badPrefix = () => new SecretsManagerStore(clients.secretsManager, { prefix: 'strongbox', kmsKeyId: keyArn });

    // Assess
    for (const outcome of outcomes) expect(outcome).toMatch(/^ValidationError: /);
    expect(badPrefix).toThrow(/prefix/);
  });
  it('keeps webhook secrets apart: their own name, rotated in place, and never readable as a source password', async () => {
    // Prepare
    const ref = await store.putWebhookSecret('acme', 'chat-ops', 'first-secret-0123456789abcdef');
    const sourceRef = await store.putSourcePassword('acme', ids.next('source'), PASSWORD);

    // Act
    const rotated = await store.putWebhookSecret('acme', 'chat-ops', 'second-secret-0123456789abcdef');

    // Assess
    expect(rotated).toBe(ref);
    expect((await describeSecret(ref)).Name).toBe('strongbox/acme/webhooks/chat-ops');
    expect(await store.getWebhookSecret('acme', ref)).toBe('second-secret-0123456789abcdef');
    await expect(store.getWebhookSecret('globex', ref)).rejects.toMatchObject({ name: 'ForbiddenError' });
    await expect(store.getSourcePassword('acme', ref)).rejects.toMatchObject({ name: 'ForbiddenError' });
    await expect(store.getWebhookSecret('acme', sourceRef)).rejects.toMatchObject({ name: 'ForbiddenError' });
    await expect(store.putWebhookSecret('acme', 'Bad/Id', 'x'.repeat(30))).rejects.toMatchObject({
      name: 'ValidationError',
      fields: [{ path: 'webhookId', message: 'is not a webhook id' }],
    });
    await store.deleteWebhookSecret('acme', ref);
    await expect(store.getWebhookSecret('acme', ref)).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
