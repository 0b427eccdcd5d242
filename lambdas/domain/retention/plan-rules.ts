import { ValidationError } from '../errors';
import {
  dayLabel,
  hourLabel,
  KEY_DAY,
  KEY_HOUR,
  KEY_MONTH,
  KEY_WEEK,
  KEY_YEAR,
  monthLabel,
  weekLabel,
  yearLabel,
  type ZoneCalendar,
} from './calendar';
import { REASON, type RetentionBackup, type TierCoverage, type TierPlace } from './plan-types';
import { COUNT_RULES, type CountRule, countLabel, isEmptyPolicy, type NormalizedPolicy } from './policy';

/** The rules of the planner: restic's GFS buckets, the manual rule, and the helpers that record reasons. */
const RULE_KEY: Record<Exclude<CountRule, 'last'>, number> = {
  hourly: KEY_HOUR,
  daily: KEY_DAY,
  weekly: KEY_WEEK,
  monthly: KEY_MONTH,
  yearly: KEY_YEAR,
};
const RULE_LABEL: Record<Exclude<CountRule, 'last'>, (key: number) => string> = {
  hourly: hourLabel,
  daily: dayLabel,
  weekly: weekLabel,
  monthly: monthLabel,
  yearly: yearLabel,
};

export function toMs(now: string | Date): number {
  const ms = typeof now === 'string' ? Date.parse(now) : now.getTime();
  if (Number.isNaN(ms)) {
    throw new ValidationError('now must be a valid instant', [{ path: 'now', message: 'must be an ISO-8601 instant' }]);
  }
  return ms;
}

export function describePolicy(policy: NormalizedPolicy): string {
  const parts: string[] = [];
  if (policy.within !== undefined) parts.push(`within ${policy.within.label}`);
  for (const rule of COUNT_RULES) {
    if (policy.counts[rule] > 0) parts.push(`${rule} ${countLabel(policy.counts[rule])}`);
  }
  return parts.join(', ');
}

export function describeManual(manual: NonNullable<NormalizedPolicy['manual']>): string {
  const parts: string[] = [];
  if (manual.within !== undefined) parts.push(`within ${manual.within.label}`);
  parts.push(`last ${countLabel(manual.last)}`);
  return parts.join(', ');
}

/** Newest first: createdAt descending, then id descending (ULIDs: the later id is the newer); unreadable times last. */
export function newestFirst(times: Float64Array, ids: readonly string[]): (a: number, b: number) => number {
  return (a, b) => {
    const ta = times[a] as number;
    const tb = times[b] as number;
    if (ta !== tb) return tb > ta ? 1 : -1;
    const ia = ids[a] as string;
    const ib = ids[b] as string;
    return ia === ib ? 0 : ia < ib ? 1 : -1;
  };
}

export function isSorted(order: readonly number[], compare: (a: number, b: number) => number): boolean {
  for (let i = 1; i < order.length; i++) {
    if (compare(order[i - 1] as number, order[i] as number) > 0) return false;
  }
  return true;
}

export interface PlanState {
  readonly backups: readonly RetentionBackup[];
  readonly times: Float64Array;
  readonly keep: Uint8Array;
  readonly reasons: (string[] | undefined)[];
  /** Per record: the reason it is deleted (shared strings). */
  readonly deleteReason: (string | undefined)[];
  /** Per record: the count rules that keep it. */
  readonly tiers: (TierPlace[] | undefined)[];
}

function addTier(state: PlanState, index: number, place: TierPlace): void {
  const list = state.tiers[index];
  if (list === undefined) state.tiers[index] = [place];
  else list.push(place);
}

export function addReason(state: PlanState, index: number, reason: string): void {
  const list = state.reasons[index];
  if (list === undefined) state.reasons[index] = [reason];
  else list.push(reason);
}

export function keepFor(state: PlanState, index: number, reason: string): void {
  state.keep[index] = 1;
  addReason(state, index, reason);
}

/** restic's ApplyPolicy over one group (`group` is newest first). Fills keeps/reasons and returns the coverage. */
export function applyGfs(
  state: PlanState,
  sourceId: string,
  group: readonly number[],
  policy: NormalizedPolicy,
  calendar: ZoneCalendar,
  nowMs: number,
): TierCoverage[] {
  const n = group.length;
  if (n === 0) return [];
  if (isEmptyPolicy(policy)) {
    for (const index of group) keepFor(state, index, REASON.emptyPolicy);
    return [];
  }
  const { times } = state;
  let cutoff = Number.NEGATIVE_INFINITY;
  if (policy.within !== undefined) {
    // restic measures keep-within from the newest snapshot that is not in the future, not from now.
    let latest = Number.NEGATIVE_INFINITY;
    for (const index of group) {
      const t = times[index] as number;
      if (t < nowMs && t > latest) latest = t;
    }
    if (latest !== Number.NEGATIVE_INFINITY) cutoff = calendar.minus(latest, policy.within);
  }
  const withinReason = policy.within === undefined ? '' : `within ${policy.within.label}`;
  const rules = COUNT_RULES.filter((rule) => policy.counts[rule] > 0);
  const remaining = rules.map((rule) => policy.counts[rule]);
  const used = rules.map(() => 0);
  const lastKey = rules.map(() => Number.NaN);
  const buckets: string[][] = rules.map(() => []);
  const labels = rules.map((rule) => (rule === 'last' ? undefined : RULE_LABEL[rule]));
  const keyIndex = rules.map((rule) => (rule === 'last' ? -1 : RULE_KEY[rule]));
  const wantedLabel = rules.map((rule) => countLabel(policy.counts[rule]));
  const needsKeys = rules.some((rule) => rule !== 'last');
  const keys = new Float64Array(5);

  for (let nr = 0; nr < n; nr++) {
    const index = group[nr] as number;
    const t = times[index] as number;
    if (t > cutoff && policy.within !== undefined) keepFor(state, index, withinReason);
    let keysReady = false;
    for (let r = 0; r < rules.length; r++) {
      if ((remaining[r] as number) <= 0) continue;
      let value: number;
      if (keyIndex[r] === -1) value = nr;
      else {
        if (!keysReady && needsKeys) {
          calendar.keys(t, keys);
          keysReady = true;
        }
        value = keys[keyIndex[r] as number] as number;
      }
      const isLast = nr === n - 1;
      if (value !== lastKey[r] || isLast) {
        // restic ≥ 0.17: a rule with counts left also keeps the group's oldest snapshot ("oldest daily snapshot").
        const oldest = value === lastKey[r];
        const count = (used[r] as number) + 1;
        used[r] = count;
        remaining[r] = (remaining[r] as number) - 1;
        lastKey[r] = value;
        const label = labels[r];
        const bucket = label === undefined ? (state.backups[index] as RetentionBackup).createdAt : label(value);
        if (!oldest) (buckets[r] as string[]).push(bucket);
        const rule = rules[r] as CountRule;
        const text =
          label === undefined ? `${rule} ${count}/${wantedLabel[r]}` : `${rule} ${count}/${wantedLabel[r]} ${bucket}`;
        keepFor(state, index, oldest ? `oldest ${text}` : text);
        const wanted = policy.counts[rule] === Number.POSITIVE_INFINITY ? 'unlimited' : policy.counts[rule];
        addTier(
          state,
          index,
          oldest ? { rule, position: count, wanted, oldest: true } : { rule, position: count, wanted },
        );
      }
    }
  }
  return rules.map((rule, r) => ({
    sourceId,
    rule,
    wanted: policy.counts[rule] === Number.POSITIVE_INFINITY ? 'unlimited' : policy.counts[rule],
    covered: (buckets[r] as string[]).length,
    buckets: buckets[r] as string[],
  }));
}

/** The manual rule: kept while younger than `within` (measured from now), and of the older ones the `last` newest. */
export function applyManual(
  state: PlanState,
  sourceId: string,
  group: readonly number[],
  manual: NonNullable<NormalizedPolicy['manual']>,
  calendar: ZoneCalendar,
  nowMs: number,
): TierCoverage {
  const cutoff = manual.within === undefined ? Number.POSITIVE_INFINITY : calendar.minus(nowMs, manual.within);
  const withinReason = manual.within === undefined ? '' : `manual within ${manual.within.label}`;
  const wanted = countLabel(manual.last);
  let used = 0;
  const buckets: string[] = [];
  for (const index of group) {
    const t = state.times[index] as number;
    if (t > cutoff) keepFor(state, index, withinReason);
    else if (used < manual.last) {
      used += 1;
      const createdAt = (state.backups[index] as RetentionBackup).createdAt;
      buckets.push(createdAt);
      keepFor(state, index, `manual last ${used}/${wanted}`);
      addTier(state, index, {
        rule: 'manual-last',
        position: used,
        wanted: manual.last === Number.POSITIVE_INFINITY ? 'unlimited' : manual.last,
      });
    }
  }
  return {
    sourceId,
    rule: 'manual-last',
    wanted: manual.last === Number.POSITIVE_INFINITY ? 'unlimited' : manual.last,
    covered: used,
    buckets,
  };
}

export function percent(share: number): string {
  return `${Math.round(share * 1000) / 10} %`;
}
