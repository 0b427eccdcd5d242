import { ValidationError } from './errors';
import { isId } from './ids';
import type { RetentionPolicy } from './retention/policy';
import type { Source } from './source';

/**
 * A policy says when a tenant's sources are backed up: which sources (explicit ids and/or a tag selector resolved at
 * dispatch time) and on which schedules (an EventBridge Scheduler cron or rate expression read in an IANA time zone,
 * with a flexible window). Each schedule becomes one EventBridge Scheduler schedule (docs/schedules.md).
 */

/** Schedule names within a policy; policy id + '.' + schedule name fit EventBridge Scheduler's 64-character names. */
export const SCHEDULE_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?$/;
/** EventBridge Scheduler's flexible time window: at most 1,440 minutes; 0 means "at the time". */
export const MAX_WINDOW_MINUTES = 1440;
export const MAX_SCHEDULES_PER_POLICY = 10;
export const MAX_SELECTED_SOURCES = 100;

/** Policy ids are chosen by the tenant (`PUT /v1/policies/{id}`): lowercase letters, digits and dashes. */
export function isPolicyId(value: string): boolean {
  return isId('policy', value);
}

export interface PolicySchedule {
  readonly name: string;
  /** `cron(…)` (six fields) or `rate(n unit)`, as EventBridge Scheduler reads them. */
  readonly expression: string;
  /** IANA time zone the expression is read in. */
  readonly timezone: string;
  /** Flexible time window: the backup starts at some point within this many minutes after the time (0: at it). */
  readonly windowMinutes: number;
  /** When this expression took effect (a rate schedule's start date); kept while the expression is unchanged. */
  readonly startDate: string;
}

/**
 * What a policy says about the backups of the sources it selects, besides when to take them: their retention, the
 * regions their snapshots are copied to (DR), and whether restoring them needs a second admin's approval. A source's own
 * settings come first; the policies fill in (docs/schedules.md, "Policy settings").
 */
export interface PolicySettings {
  readonly retention?: RetentionPolicy;
  /** Regions snapshot backups are copied to (with the region's default EBS/RDS key); database sources have none. */
  readonly copyRegions?: readonly string[];
  readonly restoreApproval?: boolean;
}

export interface SourceSelector {
  /** Explicit source ids. */
  readonly ids: readonly string[];
  /** Every source carrying all of these tags, resolved at dispatch time. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface Policy {
  readonly tenantId: string;
  readonly id: string;
  readonly name: string;
  readonly sources: SourceSelector;
  readonly schedules: readonly PolicySchedule[];
  /** Retention, DR copy regions and restore approval for the sources it selects (lambdas/domain/policy-settings.ts). */
  readonly settings?: PolicySettings;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Bumped by every change; a schedule's target input carries it only for logs (dispatch reads the policy again). */
  readonly revision: number;
}

export type PolicyInput = Pick<Policy, 'tenantId' | 'id' | 'name' | 'sources'> & {
  readonly schedules: readonly Omit<PolicySchedule, 'startDate'>[];
  readonly settings?: PolicySettings | undefined;
};

/**
 * The policy as a PUT replaces it: created at `now`, or updated keeping `createdAt`, and keeping each schedule's
 * `startDate` while its expression and zone are unchanged (a rate schedule keeps its rhythm across unrelated edits).
 */
export function putPolicy(current: Policy | undefined, input: PolicyInput, now: Date): Policy {
  const at = now.toISOString();
  const names = new Set<string>();
  for (const [index, schedule] of input.schedules.entries()) {
    if (names.has(schedule.name)) {
      throw new ValidationError(`schedule name ${schedule.name} is used twice`, [
        { path: `schedules.${index}.name`, message: 'must be unique within the policy' },
      ]);
    }
    names.add(schedule.name);
  }
  if (input.sources.ids.length === 0 && Object.keys(input.sources.tags).length === 0) {
    throw new ValidationError('a policy needs sources', [
      { path: 'sources', message: 'needs source ids or a tag selector (or both)' },
    ]);
  }
  const previous = new Map((current?.schedules ?? []).map((schedule) => [schedule.name, schedule]));
  return {
    tenantId: input.tenantId,
    id: input.id,
    name: input.name,
    sources: { ids: [...new Set(input.sources.ids)], tags: { ...input.sources.tags } },
    schedules: input.schedules.map((schedule) => {
      const before = previous.get(schedule.name);
      const same = before?.expression === schedule.expression && before.timezone === schedule.timezone;
      return { ...schedule, startDate: same ? before.startDate : at };
    }),
    ...(input.settings === undefined ? {} : { settings: withoutUndefined(input.settings) }),
    createdAt: current?.createdAt ?? at,
    updatedAt: at,
    revision: (current?.revision ?? 0) + 1,
  };
}

function withoutUndefined(settings: PolicySettings): PolicySettings {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as PolicySettings;
}

/** Whether a source carries every tag of the selector (an empty selector selects nothing by tags). */
export function matchesTags(source: Pick<Source, 'tags'>, tags: Readonly<Record<string, string>>): boolean {
  const entries = Object.entries(tags);
  return entries.length > 0 && entries.every(([key, value]) => source.tags?.[key] === value);
}

/** The sources a policy selects now, in the given order, each once; and the explicit ids that no longer exist. */
export function selectSources(
  policy: Pick<Policy, 'sources'>,
  sources: readonly Source[],
): { selected: Source[]; missing: string[] } {
  const ids = new Set(policy.sources.ids);
  const selected = sources.filter((source) => ids.has(source.id) || matchesTags(source, policy.sources.tags));
  const found = new Set(sources.map((source) => source.id));
  return { selected, missing: policy.sources.ids.filter((id) => !found.has(id)) };
}
