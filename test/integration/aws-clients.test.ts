import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../lambdas/adapters/aws/clients';

/** A server that accepts connections and never answers: what a hung AWS endpoint looks like to a client. */
let silent: Server;
let endpoint: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  silent = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe('AWS client factory', () => {
  it('fails a call to an endpoint that never answers after the idle timeout, instead of hanging', async () => {
    // Prepare
    const clients = createAwsClients({
      region: 'us-east-1',
      endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      timeouts: { idleMs: 300 },
    });
    const started = Date.now();

    // Act
    const call = clients.dynamodb.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'x' } } }));

    // Assess
    await expect(call).rejects.toThrow(/timeout|socket/i);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('sends S3 through path-style URLs when an endpoint override is set (the emulator has no virtual hosts)', () => {
    // Act
    const clients = createAwsClients({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });

    // Assess
    expect(clients.s3.config.forcePathStyle).toBe(true);
  });
});
