import { createHash } from 'node:crypto';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { TemplateResolver } from './template';

/**
 * The local stand-in for Lambda's SQS event source mappings (moto cannot run Lambda, DESIGN.md §8): for each
 * `AWS::Lambda::EventSourceMapping` on an SQS queue, receive a batch, invoke the function with the SQS event Lambda
 * would build, and delete what it processed — every message when it returns, all but its `batchItemFailures` when the
 * mapping reports them, nothing when it throws (the messages come back after their visibility timeout, and the queue's
 * redrive policy applies, as in AWS).
 */
export interface PumpFunctions {
  invoke(nameOrArn: string, event: unknown): Promise<unknown>;
}

interface Mapping {
  readonly functionName: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly batchSize: number;
  readonly reportsFailures: boolean;
}

export class LocalQueuePump {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly mappings: readonly Mapping[],
    private readonly functions: PumpFunctions,
    private readonly sqs: SQSClient,
    private readonly region: string,
  ) {}

  /** The template's SQS event source mappings; queues must be provisioned (their URL and ARN in the resolver). */
  static fromTemplate(resolver: TemplateResolver, functions: PumpFunctions, sqs: SQSClient): LocalQueuePump {
    const queues = new Map<string, string>();
    for (const [logicalId] of resolver.resourcesOfType('AWS::SQS::Queue')) {
      const queue = resolver.resource(logicalId);
      if (queue.attributes.Arn) queues.set(queue.attributes.Arn, queue.ref);
    }
    const mappings: Mapping[] = [];
    for (const [, resource] of resolver.resourcesOfType('AWS::Lambda::EventSourceMapping')) {
      const props = resolver.resolve(resource.Properties ?? {}) as Record<string, unknown>;
      const queueArn = String(props.EventSourceArn ?? '');
      const queueUrl = queues.get(queueArn);
      if (queueUrl === undefined) continue; // not an SQS source of this stack (streams are not emulated)
      mappings.push({
        functionName: String(props.FunctionName),
        queueUrl,
        queueArn,
        batchSize: Number(props.BatchSize ?? 10),
        reportsFailures: ((props.FunctionResponseTypes ?? []) as string[]).includes('ReportBatchItemFailures'),
      });
    }
    return new LocalQueuePump(mappings, functions, sqs, resolver.region);
  }

  /** One receive per mapping; the number of messages handed to functions. */
  async poll(): Promise<number> {
    let handed = 0;
    for (const mapping of this.mappings) handed += await this.pollOne(mapping);
    return handed;
  }

  /** Polls until a round receives nothing (tests: deliver everything queued so far, not what is hidden for later). */
  async drain(options: { maxRounds?: number } = {}): Promise<number> {
    let total = 0;
    for (let round = 0; round < (options.maxRounds ?? 100); round += 1) {
      const handed = await this.poll();
      total += handed;
      if (handed === 0) break;
    }
    return total;
  }

  /** Background polling (`npm start`); rounds never overlap, and a failed round is reported and polling goes on. */
  start(intervalMs: number): void {
    if (this.timer !== undefined || this.mappings.length === 0) return;
    const tick = () => {
      this.running = this.drain()
        .catch((error: Error) => console.error(`queue pump: ${error.message}`))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async pollOne(mapping: Mapping): Promise<number> {
    const received = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: mapping.queueUrl,
        MaxNumberOfMessages: Math.min(10, mapping.batchSize),
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return 0;
    let failed = new Set<string>();
    try {
      const result = (await this.functions.invoke(mapping.functionName, {
        Records: messages.map((message) => this.record(mapping, message)),
      })) as { batchItemFailures?: { itemIdentifier: string }[] } | undefined;
      if (mapping.reportsFailures)
        failed = new Set((result?.batchItemFailures ?? []).map((item) => item.itemIdentifier));
    } catch (error) {
      console.error(`queue pump: ${mapping.functionName} failed: ${(error as Error).message}`);
      return messages.length;
    }
    for (const message of messages) {
      if (failed.has(message.MessageId ?? '')) continue;
      await this.sqs.send(
        new DeleteMessageCommand({ QueueUrl: mapping.queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
    return messages.length;
  }

  /** An SQS record as Lambda delivers it. */
  private record(mapping: Mapping, message: Message) {
    const attributes = message.Attributes ?? {};
    return {
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body ?? '',
      attributes: {
        ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
        SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
        SenderId: attributes.SenderId ?? 'local',
        ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody:
        message.MD5OfBody ??
        createHash('md5')
          .update(message.Body ?? '')
          .digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: mapping.queueArn,
      awsRegion: this.region,
    };
  }
}
