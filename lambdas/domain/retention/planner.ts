import { ValidationError } from '../errors';
import { ZoneCalendar } from './calendar';
import {
  addReason,
  applyGfs,
  applyManual,
  describeManual,
  describePolicy,
  isSorted,
  keepFor,
  newestFirst,
  type PlanState,
  percent,
  toMs,
} from './plan-rules';
import {
  DEFAULT_MAX_DELETE_SHARE,
  type PlanRetentionInput,
  REASON,
  type RetentionBackup,
  type RetentionDecision,
  type RetentionPlan,
  type SourceBrake,
  type TierCoverage,
} from './plan-types';
import { normalizePolicy } from './policy';

export * from './plan-types';

/**
 * The retention planner: pure and deterministic (no clock, no I/O; `now` is a parameter). For each source it applies
 * the GFS rules exactly as `restic forget` does to the source's successful backups, the manual rule to its manual
 * backups, then the invariants (DESIGN.md §9 P1, P6) and the brake. Every decision carries every reason.
 * docs/retention.md has the semantics and worked examples.
 */

/**
 * Plans retention. Input may mix sources; each is planned on its own. Returns a decision (keep or delete, with every
 * reason) for every input backup, per-tier coverage per source, and the brake's verdict per source.
 */
export function planRetention(input: PlanRetentionInput): RetentionPlan {
  const nowMs = toMs(input.now);
  const { backups } = input;
  const total = backups.length;
  const maxDeleteShare = input.brake?.maxDeleteShare ?? DEFAULT_MAX_DELETE_SHARE;
  const maxDeleteCount = input.brake?.maxDeleteCount;
  if (!(maxDeleteShare >= 0 && maxDeleteShare <= 1)) {
    throw new ValidationError('brake.maxDeleteShare must be between 0 and 1', [
      { path: 'brake.maxDeleteShare', message: 'must be between 0 and 1' },
    ]);
  }
  if (maxDeleteCount !== undefined && !(Number.isInteger(maxDeleteCount) && maxDeleteCount >= 0)) {
    throw new ValidationError('brake.maxDeleteCount must be a whole number ≥ 0', [
      { path: 'brake.maxDeleteCount', message: 'must be a whole number ≥ 0' },
    ]);
  }
  const openPreRestore = new Set(input.openRestorePreRestoreIds ?? []);
  const beingRestored = new Set(input.openRestoreBackupIds ?? []);

  const times = new Float64Array(total);
  const ids: string[] = new Array(total);
  const bySource = new Map<string, number[]>();
  let anyParent = false;
  let anyCopy = false;
  for (let i = 0; i < total; i++) {
    const backup = backups[i] as RetentionBackup;
    const t = Date.parse(backup.createdAt);
    times[i] = Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
    ids[i] = backup.id;
    if (backup.parentId !== undefined) anyParent = true;
    if (backup.copyOf !== undefined) anyCopy = true;
    const list = bySource.get(backup.sourceId);
    if (list === undefined) bySource.set(backup.sourceId, [i]);
    else list.push(i);
  }
  const state: PlanState = {
    backups,
    times,
    keep: new Uint8Array(total),
    reasons: new Array(total),
    deleteReason: new Array(total),
    tiers: new Array(total),
  };
  let indexById: Map<string, number> | undefined;
  const indexOfId = (id: string): number | undefined => {
    if (indexById === undefined) {
      indexById = new Map();
      for (let i = 0; i < total; i++) indexById.set(ids[i] as string, i);
    }
    return indexById.get(id);
  };
  /** DR copies that follow their original: [copy index, original index]. */
  const followers: [number, number][] = [];
  /** Copies and originals both in deletion: whatever they decide, these do not count for the brake. */
  const resumed = new Uint8Array(total);
  const compare = newestFirst(times, ids);
  const sourceIds = [...bySource.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const calendars = new Map<string, ZoneCalendar>();
  const coverage: TierCoverage[] = [];
  const orders: number[][] = [];

  for (const sourceId of sourceIds) {
    const order = bySource.get(sourceId) as number[];
    // The catalog lists a source newest first (or oldest first): then no sort is needed.
    if (!isSorted(order, compare)) {
      order.reverse();
      if (!isSorted(order, compare)) order.sort(compare);
    }
    orders.push(order);
    const policy = normalizePolicy(input.policyBySource?.[sourceId] ?? input.policy);
    let calendar = calendars.get(policy.timeZone);
    if (calendar === undefined) {
      calendar = new ZoneCalendar(policy.timeZone);
      calendars.set(policy.timeZone, calendar);
    }
    const gfsDelete = `no rule keeps it (${describePolicy(policy)})`;
    const manualDelete =
      policy.manual === undefined ? gfsDelete : `manual: no rule keeps it (${describeManual(policy.manual)})`;
    const gfs: number[] = [];
    const manual: number[] = [];
    let newest = -1;
    for (const index of order) {
      const backup = backups[index] as RetentionBackup;
      const t = times[index] as number;
      if (input.tenantId !== undefined && backup.tenantId !== undefined && backup.tenantId !== input.tenantId) {
        keepFor(state, index, REASON.otherTenant);
        continue;
      }
      switch (backup.status) {
        case 'pending':
        case 'running':
          keepFor(state, index, REASON.inProgress);
          continue;
        case 'failed':
          keepFor(state, index, REASON.failed);
          continue;
        case 'deleted':
          keepFor(state, index, REASON.alreadyDeleted);
          continue;
        case 'deleting':
          // Already decided (and past the brake) by an earlier run: finish it, unless a protection below applies.
          state.deleteReason[index] = REASON.resumeDeletion;
          resumed[index] = 1;
          continue;
        case 'succeeded':
          break;
        default:
          keepFor(state, index, `unknown status ${JSON.stringify(backup.status)}`);
          continue;
      }
      if (t === Number.NEGATIVE_INFINITY) {
        keepFor(state, index, REASON.unreadableTime);
        continue;
      }
      if (anyCopy && backup.copyOf !== undefined) {
        const original = indexOfId(backup.copyOf);
        if (original !== undefined && original !== index) {
          followers.push([index, original]);
          continue;
        }
      }
      if (newest === -1) newest = index;
      if (policy.manual !== undefined && backup.trigger === 'manual') {
        manual.push(index);
        state.deleteReason[index] = manualDelete;
      } else {
        gfs.push(index);
        state.deleteReason[index] = gfsDelete;
      }
    }
    coverage.push(...applyGfs(state, sourceId, gfs, policy, calendar, nowMs));
    if (policy.manual !== undefined)
      coverage.push(applyManual(state, sourceId, manual, policy.manual, calendar, nowMs));

    if (newest !== -1) keepFor(state, newest, REASON.newest);
    for (const index of order) {
      const backup = backups[index] as RetentionBackup;
      if (backup.legalHold === true) keepFor(state, index, REASON.legalHold);
      if (backup.locked === true) keepFor(state, index, REASON.locked);
      if (openPreRestore.has(backup.id)) keepFor(state, index, REASON.openRestore);
      if (beingRestored.has(backup.id)) keepFor(state, index, REASON.beingRestored);
      if ((times[index] as number) > nowMs && backup.status === 'succeeded') keepFor(state, index, REASON.future);
    }
  }

  // Parents of kept backups are kept, transitively (P6), across sources. Breadth-first in decision order, so the
  // reasons come out the same whatever the input order.
  if (anyParent) {
    const indexOf = new Map<string, number>();
    for (let i = 0; i < total; i++) indexOf.set(ids[i] as string, i);
    const queue: number[] = [];
    for (const order of orders) for (const index of order) if (state.keep[index] === 1) queue.push(index);
    for (let head = 0; head < queue.length; head++) {
      const child = queue[head] as number;
      const parentId = (backups[child] as RetentionBackup).parentId;
      if (parentId === undefined) continue;
      const parent = indexOf.get(parentId);
      if (parent === undefined || parent === child) continue;
      const wasKept = state.keep[parent] === 1;
      keepFor(state, parent, `parent of kept ${ids[child]}`);
      if (!wasKept) queue.push(parent);
    }
  }

  // DR copies follow their originals (decided by now, parents included): kept with them, deleted with them.
  for (const [copy, original] of followers) {
    const originalId = ids[original] as string;
    const originalGone = (backups[original] as RetentionBackup).status === 'deleted';
    if (state.keep[original] === 1 && !originalGone) keepFor(state, copy, `DR copy of ${originalId}: kept with it`);
    else if (state.keep[copy] === 0) state.deleteReason[copy] = `DR copy of ${originalId}, which is deleted`;
  }

  // The brake, per source.
  const brakes: SourceBrake[] = [];
  const decisions: RetentionDecision[] = new Array(total);
  let d = 0;
  let anyTripped = false;
  for (let s = 0; s < sourceIds.length; s++) {
    const sourceId = sourceIds[s] as string;
    const order = orders[s] as number[];
    let successful = 0;
    let wouldDelete = 0;
    for (const index of order) {
      if ((backups[index] as RetentionBackup).status === 'succeeded') successful += 1;
      if (state.keep[index] === 0 && resumed[index] === 0) wouldDelete += 1;
    }
    const overShare = wouldDelete > maxDeleteShare * successful;
    const overCount = maxDeleteCount !== undefined && wouldDelete > maxDeleteCount;
    let tripped = false;
    let acknowledged = false;
    let reason: string | undefined;
    if (overShare || overCount) {
      const why = overShare ? `> ${percent(maxDeleteShare)}` : `> ${maxDeleteCount} allowed`;
      reason = `brake: would delete ${wouldDelete} of ${successful} (${why})`;
      const accepted = input.brake?.acknowledged?.[sourceId];
      if (accepted !== undefined && wouldDelete <= accepted) {
        acknowledged = true;
        reason = `${reason}, acknowledged by an admin for up to ${accepted}`;
      } else {
        tripped = true;
        anyTripped = true;
      }
    }
    brakes.push({
      sourceId,
      tripped,
      acknowledged,
      wouldDelete,
      successful,
      ...(reason === undefined ? {} : { reason }),
    });
    for (const index of order) {
      const backup = backups[index] as RetentionBackup;
      if (state.keep[index] === 0 && tripped && resumed[index] === 0) {
        keepFor(state, index, reason as string);
        addReason(state, index, `otherwise: ${state.deleteReason[index]}`);
      }
      const kept = state.keep[index] === 1;
      const tiers = kept ? state.tiers[index] : undefined;
      decisions[d++] = {
        backupId: backup.id,
        sourceId,
        action: kept ? 'keep' : 'delete',
        reasons: kept ? (state.reasons[index] as string[]) : [state.deleteReason[index] as string],
        ...(tiers === undefined ? {} : { tiers }),
      };
    }
  }
  return { decisions, coverage, brake: { tripped: anyTripped, sources: brakes } };
}
