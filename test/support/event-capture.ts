import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../lambdas/adapters/aws/clients';
import { EVENT_SOURCE } from '../../lambdas/domain/events';

/** An EventBridge rule on `busName` sending every Strongbox event to a fresh SQS queue, read back as events. */
export interface CapturedEvent {
  readonly 'detail-type': string;
  readonly source: string;
  readonly detail: Record<string, unknown>;
}

export async function captureEvents(
  clients: AwsClients,
  sqsSettings: SQSClientConfig,
  busName: string,
  options: { createBus?: boolean } = {},
) {
  const sqs = new SQSClient(sqsSettings);
  const name = `events-${Math.random().toString(36).slice(2, 10)}`;
  if (options.createBus) await clients.eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const arn = `arn:aws:sqs:us-east-1:123456789012:${name}`;
  await clients.eventBridge.send(
    new PutRuleCommand({ Name: name, EventBusName: busName, EventPattern: JSON.stringify({ source: [EVENT_SOURCE] }) }),
  );
  await clients.eventBridge.send(
    new PutTargetsCommand({ Rule: name, EventBusName: busName, Targets: [{ Id: 'queue', Arn: arn }] }),
  );
  const received: CapturedEvent[] = [];
  return {
    /** Every event delivered so far (accumulates across calls). */
    async read(): Promise<CapturedEvent[]> {
      for (;;) {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (!out.Messages?.length) break;
        for (const message of out.Messages) received.push(JSON.parse(message.Body ?? '{}') as CapturedEvent);
      }
      return received;
    },
    close: () => sqs.destroy(),
  };
}
