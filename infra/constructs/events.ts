import { EventBus } from 'aws-cdk-lib/aws-events';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface EventsProps {
  readonly stage: string;
}

/**
 * Strongbox's events (docs/events.md): one EventBridge bus per stage, `strongbox-<stage>`, where the functions that
 * finish backups and restores, wait for approvals and sweep for missed backups put BackupSucceeded, BackupFailed,
 * BackupMissed, RestoreAwaitingApproval, RestoreSucceeded and RestoreFailed (source `strongbox`). Platform teams add
 * their own rules (chat, paging, ticketing); tenant webhooks will be one more rule on it.
 */
export class Events extends Construct {
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, props: EventsProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', {
      eventBusName: `strongbox-${props.stage}`,
      description: 'Strongbox: backup and restore outcomes, approvals, missed backups',
    });
  }

  /** events:PutEvents on this bus only. */
  grantPublish(...grantees: IGrantable[]): void {
    for (const grantee of grantees) this.bus.grantPutEventsTo(grantee);
  }
}
