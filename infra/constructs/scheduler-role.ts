import { Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * A role EventBridge Scheduler assumes for the service's own schedules (the daily prune, the missed-backup sweep),
 * trusted only for this account's default schedule group (confused-deputy guard). The target grants what it may do.
 */
export function defaultGroupSchedulerRole(scope: Construct, id: string, description: string): Role {
  const stack = Stack.of(scope);
  return new Role(scope, id, {
    description,
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
      conditions: {
        StringEquals: {
          'aws:SourceAccount': stack.account,
          'aws:SourceArn': stack.formatArn({
            service: 'scheduler',
            resource: 'schedule-group',
            resourceName: 'default',
          }),
        },
      },
    }),
  });
}
