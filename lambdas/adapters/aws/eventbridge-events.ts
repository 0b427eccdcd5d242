import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type StrongboxEvent } from '../../domain/events';
import type { EventPublisher } from '../../ports/events';

/** PutEvents takes at most 10 entries per call. */
const BATCH = 10;

/** Strongbox's events on an EventBridge bus: source `strongbox`, detail-type the event type. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly StrongboxEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const batch = events.slice(i, i + BATCH);
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({
            EventBusName: this.busName,
            Source: EVENT_SOURCE,
            DetailType: event.type,
            Time: new Date(event.time),
            Detail: JSON.stringify(event.detail),
          })),
        }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) {
        const failed = (out.Entries ?? []).find((entry) => entry.ErrorCode);
        throw new Error(
          `EventBridge refused ${out.FailedEntryCount} of ${batch.length} events (${failed?.ErrorCode}: ${failed?.ErrorMessage})`,
        );
      }
    }
  }
}
