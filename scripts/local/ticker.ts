import {
  GetScheduleCommand,
  ListScheduleGroupsCommand,
  ListSchedulesCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { nextRuns, parseScheduleExpression } from '../../lambdas/domain/schedule';

/**
 * The local stand-in for EventBridge Scheduler's firing (moto stores schedules and never fires them, DESIGN.md §8):
 * reads every schedule back from the Scheduler API, works out which fired in (last tick, now] with the same fire-time
 * rules the service documents (lambdas/domain/schedule), and invokes the target with the schedule's input, the
 * `<aws.scheduler.scheduled-time>` placeholder filled in as Scheduler fills it. The clock is whatever `tick(now)` is
 * given: `npm start` ticks every few seconds on the system clock; tests drive it with any times they like.
 */
export const SCHEDULED_TIME_PLACEHOLDER = '<aws.scheduler.scheduled-time>';

export interface TickerTarget {
  /** Invokes the target (a local function by ARN) with the schedule's input, as Scheduler would. */
  invoke(targetArn: string, input: unknown): Promise<unknown>;
}

export interface Firing {
  readonly group: string;
  readonly name: string;
  readonly scheduledTime: string;
  readonly outcome: 'invoked' | 'failed';
  readonly error?: string;
}

/** Scheduler's scheduled-time format: ISO-8601 UTC to the second, `2027-03-28T02:00:00Z`. */
function scheduledTimeText(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export class LocalTicker {
  private last: Date;
  readonly firings: Firing[] = [];

  constructor(
    private readonly scheduler: SchedulerClient,
    private readonly target: TickerTarget,
    start: Date,
  ) {
    this.last = start;
  }

  /** Moves the clock to `at` without firing what fell due before it. */
  skipTo(at: Date): void {
    this.last = at;
  }

  /**
   * Fires every schedule due in (last tick, now], oldest first, and remembers `now` as the last tick. `only` limits it
   * to some schedule groups (tests moving the clock by days skip the service's own every-15-minutes sweep that way).
   */
  async tick(now: Date, only?: { groups: readonly string[] }): Promise<Firing[]> {
    const from = this.last;
    if (now.getTime() <= from.getTime()) return [];
    this.last = now;
    const due: { group: string; name: string; at: Date; arn: string; input: string }[] = [];
    for (const schedule of await this.schedules()) {
      if (only && !only.groups.includes(schedule.GroupName ?? 'default')) continue;
      if (schedule.State === 'DISABLED' || !schedule.Target?.Arn) continue;
      let expression: ReturnType<typeof parseScheduleExpression>;
      try {
        expression = parseScheduleExpression(schedule.ScheduleExpression ?? '');
      } catch {
        continue; // Scheduler itself would have refused it
      }
      const start = schedule.StartDate ? new Date(schedule.StartDate) : new Date(schedule.CreationDate ?? from);
      const times = nextRuns(expression, {
        timeZone: schedule.ScheduleExpressionTimezone ?? 'UTC',
        after: new Date(Math.max(from.getTime(), start.getTime() - 1)),
        count: 1000,
        start,
      }).filter((time) => time.getTime() <= now.getTime());
      for (const at of times) {
        due.push({
          group: schedule.GroupName ?? 'default',
          name: schedule.Name ?? '',
          at,
          arn: schedule.Target.Arn,
          input: schedule.Target.Input ?? '{}',
        });
      }
    }
    due.sort((a, b) => a.at.getTime() - b.at.getTime());
    const fired: Firing[] = [];
    for (const firing of due) fired.push(await this.fire(firing));
    return fired;
  }

  /** Fires one schedule now (README: "make it fire now"), with now as its scheduled time. */
  async fireNow(group: string, name: string, now: Date): Promise<Firing> {
    const schedule = await this.scheduler.send(new GetScheduleCommand({ GroupName: group, Name: name }));
    if (!schedule.Target?.Arn) throw new Error(`schedule ${group}/${name} has no target`);
    return this.fire({ group, name, at: now, arn: schedule.Target.Arn, input: schedule.Target.Input ?? '{}' });
  }

  private async fire(firing: { group: string; name: string; at: Date; arn: string; input: string }): Promise<Firing> {
    const scheduledTime = scheduledTimeText(firing.at);
    const base = { group: firing.group, name: firing.name, scheduledTime };
    let result: Firing;
    try {
      const input: unknown = JSON.parse(firing.input.split(SCHEDULED_TIME_PLACEHOLDER).join(scheduledTime));
      await this.target.invoke(firing.arn, input);
      result = { ...base, outcome: 'invoked' };
    } catch (error) {
      result = { ...base, outcome: 'failed', error: (error as Error).message };
    }
    this.firings.push(result);
    return result;
  }

  private async schedules() {
    const groups: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.scheduler.send(new ListScheduleGroupsCommand({ NextToken: token }));
      for (const group of page.ScheduleGroups ?? []) if (group.Name) groups.push(group.Name);
      token = page.NextToken;
    } while (token);
    const found = [];
    for (const GroupName of groups) {
      let next: string | undefined;
      do {
        const page = await this.scheduler.send(new ListSchedulesCommand({ GroupName, NextToken: next }));
        for (const summary of page.Schedules ?? []) {
          if (!summary.Name) continue;
          found.push(await this.scheduler.send(new GetScheduleCommand({ GroupName, Name: summary.Name })));
        }
        next = page.NextToken;
      } while (next);
    }
    return found;
  }
}
