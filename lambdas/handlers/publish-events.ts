import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { outcomeAuditFacts } from '../domain/audit';
import type { StrongboxEvent } from '../domain/events';
import { logger, METRIC, metrics } from '../shared/powertools';
import { audit } from './audit-trail';
import { runtime } from './wiring';

/**
 * Publishes what happened to the event bus, best effort: the backup or restore is already recorded in the catalog, so
 * a bus that refuses or is unreachable must not fail it (or make Step Functions retry a finished step). A failure is
 * logged and counted (EventsNotPublished, alarmed on) instead.
 */
export async function publishEvents(events: readonly (StrongboxEvent | undefined)[]): Promise<void> {
  const defined = events.filter((event): event is StrongboxEvent => event !== undefined);
  if (defined.length === 0) return;
  // Every outcome goes to its tenant's audit trail as well (handlers/audit-trail.ts), whether or not the bus took it.
  for (const event of defined) await audit(outcomeAuditFacts(event));
  try {
    await runtime().events.publish(defined);
  } catch (error) {
    metrics.addMetric(METRIC.eventsNotPublished, MetricUnit.Count, defined.length);
    logger.error('events not published', { types: defined.map((event) => event.type), error: error as Error });
  }
}
