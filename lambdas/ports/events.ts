import type { StrongboxEvent } from '../domain/events';

/** The deployment's event bus (EventBridge). Publishing is best effort for callers: see handlers/publish-events.ts. */
export interface EventPublisher {
  publish(events: readonly StrongboxEvent[]): Promise<void>;
}
