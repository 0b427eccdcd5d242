import { Duration } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENTRIES, ENV } from '../contract';
import type { DataAccess } from './data-access';
import { StrongboxFunction } from './function';

export interface WebhooksProps {
  readonly data: DataAccess;
  /** Environment shared by every function of the service. */
  readonly environment: Record<string, string>;
  /** The bus Strongbox's events go to (infra/constructs/events.ts). */
  readonly bus: IEventBus;
  readonly retryBaseSeconds: number;
  readonly timeoutSeconds: number;
}

/** Attempts per delivery (MAX_DELIVERY_ATTEMPTS in lambdas/domain/webhook-delivery.ts) plus room for crashes. */
const MAX_RECEIVES = 10;
const DELIVERER_TIMEOUT = Duration.minutes(1);

/**
 * Tenant webhooks (docs/webhooks.md): a rule sends every Strongbox event on the bus to a queue; the deliverer reads it
 * (SQS event source, partial batch responses) and POSTs each event, signed, to its tenant's subscribed webhooks.
 * Backoff is the queue's: a record to retry is hidden for the delay and reported failed. The deliverer runs outside any
 * VPC (the endpoints are on the internet); its SSRF guard checks the address it connects to.
 */
export class Webhooks extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deliver: StrongboxFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Deliveries', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the function timeout (the AWS guidance for SQS event sources); the backoff outlasts it anyway.
      visibilityTimeout: Duration.seconds(DELIVERER_TIMEOUT.toSeconds() * 6),
      // Retries spread over ~15 hours; four days leaves room for an outage of the deliverer itself.
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVES },
    });
    this.rule = new Rule(this, 'AllEvents', {
      description: 'Strongbox: every event to the tenant webhook deliverer',
      eventBus: props.bus,
      eventPattern: { source: ['strongbox'] },
      targets: [new SqsQueue(this.queue)],
    });

    this.deliver = new StrongboxFunction(this, 'Deliver', {
      entry: ENTRIES.deliverWebhooks,
      timeout: DELIVERER_TIMEOUT,
      environment: {
        ...props.environment,
        [ENV.webhookQueueUrl]: this.queue.queueUrl,
      },
    });
    this.deliver.function.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    props.data.grantCatalogReadWrite(this.deliver);
    props.data.grantSecretsRead(this.deliver, 'webhooks');
  }

  /** What every function needs to agree on (one environment in local mode): the retry base and attempt timeout. */
  static environment(props: Pick<WebhooksProps, 'retryBaseSeconds' | 'timeoutSeconds'> & { allowedCidrs: string[] }) {
    return {
      [ENV.webhookRetryBaseSeconds]: String(props.retryBaseSeconds),
      [ENV.webhookTimeoutSeconds]: String(props.timeoutSeconds),
      [ENV.allowedWebhookCidrs]: props.allowedCidrs.join(','),
    };
  }
}
