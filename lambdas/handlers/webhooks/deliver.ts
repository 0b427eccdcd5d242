import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { type BusEvent, deliverEvent } from '../../app/webhooks/deliver-event';
import { EVENT_SOURCE } from '../../domain/events';
import { isTenantId } from '../../domain/ids';
import { taskHandler } from '../../shared/middleware';
import { logger, METRIC, metrics } from '../../shared/powertools';
import { runtime } from '../wiring';

/** An EventBridge event as the rule puts it on the delivery queue (the whole event, JSON). */
const busEnvelope = z.object({
  id: z.string().min(1).max(128),
  'detail-type': z.string().min(1).max(128),
  source: z.literal(EVENT_SOURCE),
  time: z.string().min(1),
  detail: z.object({ tenantId: z.string().refine(isTenantId) }).passthrough(),
});

/** Thrown for a record whose deliveries want another attempt: the batch processor reports it as failed. */
class RetryLater extends Error {
  override readonly name = 'RetryLater';
}

const processor = new BatchProcessor(EventType.SQS);

async function handleRecord(record: SQSRecord): Promise<void> {
  const deps = runtime();
  let parsed: z.infer<typeof busEnvelope>;
  try {
    parsed = busEnvelope.parse(JSON.parse(record.body));
  } catch {
    // Not an event of ours: retrying cannot make it one. Logged without the body, which is not ours to log.
    logger.error('dropped a message that is not a Strongbox event', { messageId: record.messageId });
    return;
  }
  const event: BusEvent = {
    id: parsed.id,
    type: parsed['detail-type'],
    time: parsed.time,
    tenantId: parsed.detail.tenantId,
    detail: parsed.detail,
  };
  const result = await deliverEvent(
    {
      catalog: deps.catalog,
      secrets: deps.secrets,
      sender: deps.webhookSender,
      clock: deps.clock,
      retryBaseSeconds: deps.env.STRONGBOX_WEBHOOK_RETRY_BASE_SECONDS,
      timeoutMs: deps.env.STRONGBOX_WEBHOOK_TIMEOUT_SECONDS * 1000,
    },
    event,
  );
  for (const delivery of result.attempted) {
    const last = delivery.attempts.at(-1);
    const fields = { tenantId: delivery.tenantId, webhookId: delivery.webhookId, deliveryId: delivery.id };
    if (delivery.status === 'delivered') {
      metrics.addMetric(METRIC.webhookDelivered, MetricUnit.Count, 1);
      continue;
    }
    metrics.addMetric(METRIC.webhookAttemptFailed, MetricUnit.Count, 1);
    if (delivery.status === 'failed') {
      metrics.addMetric(METRIC.webhookDeliveryFailed, MetricUnit.Count, 1);
      logger.warn('webhook delivery failed for good', { ...fields, attempts: delivery.attempts.length, last });
    } else {
      logger.info('webhook attempt failed; will retry', { ...fields, attempt: delivery.attempts.length, last });
    }
  }
  if (result.retryInSeconds !== undefined) {
    await deps.webhookRetries.retryLater(record.receiptHandle, result.retryInSeconds);
    throw new RetryLater(`${event.id}: retry in ${result.retryInSeconds} s`);
  }
}

/**
 * The webhook deliverer (infra/constructs/webhooks.ts): the bus's events arrive through an SQS queue; each is
 * delivered to its tenant's subscribed webhooks (app/webhooks/deliver-event.ts). A record whose deliveries must be
 * retried is hidden for the backoff delay and reported as a batch item failure, so only it comes back; a crash
 * leaves the record for the queue's own retries and, after maxReceiveCount, its dead-letter queue (alarmed on).
 */
export const handler = taskHandler(async (event: SQSEvent, context: Context) =>
  processPartialResponse(event, handleRecord, processor, {
    context,
    processInParallel: true,
    // A batch whose every record waits for a retry is not a function error (that would alarm).
    throwOnFullBatchFailure: false,
  }),
);
