import { createHash } from 'node:crypto';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  ListSchedulesCommand,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { DispatchTarget, ScheduleSpec, TenantSchedules } from '../../ports/schedules';

export interface SchedulerSettings {
  /** Schedule groups are `<prefix>-<tenantId>` (one deployment's groups share the prefix; IAM is scoped by it). */
  readonly groupPrefix: string;
  /** The dispatcher (Lambda ARN) every schedule targets, and the role Scheduler assumes to invoke it. */
  readonly targetArn: string;
  readonly roleArn: string;
  /** Where Scheduler sends an invocation it gave up on. */
  readonly deadLetterArn?: string;
  /** Retries of a failed invocation, and how long an event may wait for one (Scheduler: 0–185 and 60–86,400 s). */
  readonly maximumRetryAttempts?: number;
  readonly maximumEventAgeSeconds?: number;
}

const MAX_GROUP_NAME = 64;
/** Scheduler fills this placeholder with the time the schedule fired for. */
export const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';

/** `<prefix>-<tenantId>`, shortened with a hash of the tenant id when it would pass Scheduler's 64 characters. */
export function scheduleGroupName(prefix: string, tenantId: string): string {
  const name = `${prefix}-${tenantId}`;
  if (name.length <= MAX_GROUP_NAME) return name;
  const hash = createHash('sha256').update(tenantId).digest('hex').slice(0, 10);
  return `${name.slice(0, MAX_GROUP_NAME - hash.length - 1)}-${hash}`;
}

function isNotFound(error: unknown): boolean {
  return (error as { name?: string }).name === 'ResourceNotFoundException';
}

function isConflict(error: unknown): boolean {
  return (error as { name?: string }).name === 'ConflictException';
}

/** The target input: the dispatch target plus the scheduled time, which Scheduler substitutes when it fires. */
export function targetInput(target: DispatchTarget): string {
  return JSON.stringify({ ...target, scheduledTime: SCHEDULED_TIME });
}

function parseTarget(input: string | undefined): DispatchTarget | undefined {
  try {
    const value = JSON.parse(input ?? '') as Partial<DispatchTarget>;
    if (typeof value.tenantId !== 'string' || typeof value.policyId !== 'string') return undefined;
    if (typeof value.scheduleName !== 'string') return undefined;
    return { tenantId: value.tenantId, policyId: value.policyId, scheduleName: value.scheduleName };
  } catch {
    return undefined;
  }
}

/** The tenant's schedules in EventBridge Scheduler (ports/schedules.ts). */
export class SchedulerTenantSchedules implements TenantSchedules {
  private readonly knownGroups = new Set<string>();

  constructor(
    private readonly client: SchedulerClient,
    private readonly settings: SchedulerSettings,
  ) {}

  private group(tenantId: string): string {
    return scheduleGroupName(this.settings.groupPrefix, tenantId);
  }

  async list(tenantId: string): Promise<ScheduleSpec[]> {
    const GroupName = this.group(tenantId);
    const names: string[] = [];
    let NextToken: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListSchedulesCommand({ GroupName, NextToken, MaxResults: 100 }));
        for (const schedule of page.Schedules ?? []) if (schedule.Name) names.push(schedule.Name);
        NextToken = page.NextToken;
      } while (NextToken);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    const specs: ScheduleSpec[] = [];
    for (const Name of names) {
      let schedule: GetScheduleCommandOutput;
      try {
        schedule = await this.client.send(new GetScheduleCommand({ GroupName, Name }));
      } catch (error) {
        if (isNotFound(error)) continue; // deleted between the listing and now
        throw error;
      }
      const target = parseTarget(schedule.Target?.Input);
      specs.push({
        name: Name,
        expression: schedule.ScheduleExpression ?? '',
        timezone: schedule.ScheduleExpressionTimezone ?? 'UTC',
        windowMinutes:
          schedule.FlexibleTimeWindow?.Mode === 'FLEXIBLE'
            ? (schedule.FlexibleTimeWindow.MaximumWindowInMinutes ?? 0)
            : 0,
        ...(schedule.StartDate ? { startDate: new Date(schedule.StartDate).toISOString() } : {}),
        // A schedule whose input is not ours is drift: an empty target never equals a wanted one.
        target: target ?? { tenantId: '', policyId: '', scheduleName: '' },
      });
    }
    return specs;
  }

  /**
   * Creates the tenant's group once per container (a conflict means it exists), then creates or updates the schedule.
   * Asking first rather than reacting to "group not found" also suits moto, which answers that case with a 500.
   */
  async put(tenantId: string, spec: ScheduleSpec): Promise<void> {
    const GroupName = this.group(tenantId);
    if (!this.knownGroups.has(GroupName)) {
      await this.createGroup(GroupName, tenantId);
      this.knownGroups.add(GroupName);
    }
    const input = this.input(GroupName, spec);
    try {
      await this.client.send(new CreateScheduleCommand(input));
    } catch (error) {
      if (isConflict(error)) {
        await this.client.send(new UpdateScheduleCommand(input));
      } else if (isNotFound(error)) {
        // The group was deleted since this container created it.
        await this.createGroup(GroupName, tenantId);
        await this.client.send(new CreateScheduleCommand(input));
      } else {
        throw error;
      }
    }
  }

  async delete(tenantId: string, name: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ GroupName: this.group(tenantId), Name: name }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  private async createGroup(GroupName: string, tenantId: string): Promise<void> {
    try {
      await this.client.send(
        new CreateScheduleGroupCommand({ Name: GroupName, Tags: [{ Key: 'strongbox:tenant', Value: tenantId }] }),
      );
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }

  private input(GroupName: string, spec: ScheduleSpec): CreateScheduleCommandInput {
    const { settings } = this;
    return {
      GroupName,
      Name: spec.name,
      ScheduleExpression: spec.expression,
      ScheduleExpressionTimezone: spec.timezone,
      FlexibleTimeWindow:
        spec.windowMinutes > 0 ? { Mode: 'FLEXIBLE', MaximumWindowInMinutes: spec.windowMinutes } : { Mode: 'OFF' },
      ...(spec.startDate ? { StartDate: new Date(spec.startDate) } : {}),
      State: 'ENABLED',
      Target: {
        Arn: settings.targetArn,
        RoleArn: settings.roleArn,
        Input: targetInput(spec.target),
        RetryPolicy: {
          MaximumRetryAttempts: settings.maximumRetryAttempts ?? 10,
          MaximumEventAgeInSeconds: settings.maximumEventAgeSeconds ?? 3600,
        },
        ...(settings.deadLetterArn ? { DeadLetterConfig: { Arn: settings.deadLetterArn } } : {}),
      },
    };
  }
}
