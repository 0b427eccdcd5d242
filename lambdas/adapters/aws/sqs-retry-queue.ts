import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RetryQueue } from '../../ports/queues';

/** SQS caps a message's visibility timeout at 12 hours from its receipt. */
const MAX_VISIBILITY_SECONDS = 12 * 3600;

/**
 * Backoff on an SQS queue: a message to retry later stays hidden for the delay (ChangeMessageVisibility) and is then
 * received again, with its receive count one higher. The queue's redrive policy bounds the number of receives.
 */
export class SqsRetryQueue implements RetryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async retryLater(receiptHandle: string, delaySeconds: number): Promise<void> {
    const VisibilityTimeout = Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, Math.round(delaySeconds)));
    await this.client.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout }),
    );
  }
}
