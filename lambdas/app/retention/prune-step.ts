import type { Catalog } from '../../ports/catalog';
import type { IdGenerator } from '../../ports/runtime';
import { type PruneTenantDeps, pruneTenant } from './prune-tenant';

/**
 * The prune machine's state between steps (infra/constructs/retention.ts): small, whatever the backlog. A run covers
 * every registered tenant (or one, when an operator starts it with `tenantId`), one at a time in id order.
 */
export interface PruneCursor {
  readonly runId?: string;
  /** The run's planning instant, fixed at its first step. */
  readonly now?: string;
  /** Restricts the run to one tenant (an operator's run). */
  readonly tenantId?: string;
  /** The tenant being worked on; absent between tenants. */
  readonly tenant?: string;
  /** Tenant registry cursor for the tenant after `tenant`. */
  readonly tenantCursor?: string;
  readonly steps?: number;
  readonly generation?: number;
  /** Steps per execution before continue-as-new; capped at PRUNE_MAX_STEPS_PER_EXECUTION. */
  readonly maxSteps?: number;
  readonly totals?: { readonly deleted: number; readonly archived: number; readonly skipped: number };
  readonly done?: boolean;
  readonly continueAsNew?: boolean;
}

/**
 * Steps per execution: each step costs at most ~7 history events (Task: 5, Choice: 2) plus 3 per retry attempt; with the
 * step's retries (≤ 6 + 3) that is ≤ 34, and 300 × 34 = 10,200 < 12,500 = half of Standard's 25,000-event limit (P8).
 * infra/constructs/retention.ts documents the same bound.
 */
export const PRUNE_MAX_STEPS_PER_EXECUTION = 300;

export interface PruneStepDeps extends PruneTenantDeps {
  readonly catalog: PruneTenantDeps['catalog'] & Pick<Catalog, 'tenants'>;
  readonly ids: IdGenerator;
  /** Seconds of work per step. */
  readonly stepSeconds: number;
}

export interface PruneStepResult {
  readonly cursor: PruneCursor;
  readonly deleted: number;
  readonly archived: number;
  readonly skipped: number;
  readonly brakeTripped: number;
}

async function nextTenant(
  deps: PruneStepDeps,
  cursor: PruneCursor,
): Promise<{ tenant?: string; tenantCursor?: string } | undefined> {
  if (cursor.tenantId !== undefined) return undefined;
  const page = await deps.catalog.tenants.list({
    limit: 1,
    ...(cursor.tenantCursor === undefined ? {} : { cursor: cursor.tenantCursor }),
  });
  const tenant = page.items[0];
  if (tenant === undefined) return undefined;
  return { tenant, ...(page.nextCursor === undefined ? {} : { tenantCursor: page.nextCursor }) };
}

/**
 * One step of a prune run: works through tenants until the step's time is up, then returns where it stopped. The
 * first step fixes the run id and `now`; the last says `done`; every PRUNE_MAX_STEPS_PER_EXECUTION steps it asks the
 * machine to continue as a new execution (same cursor, steps counted from 0 again).
 */
export async function pruneStep(deps: PruneStepDeps, input: PruneCursor): Promise<PruneStepResult> {
  const started = deps.clock.now();
  const deadline = new Date(started.getTime() + deps.stepSeconds * 1000);
  // A continued execution's input still says continueAsNew: that was the previous execution's business.
  const { continueAsNew: _previous, ...carried } = input;
  let cursor: PruneCursor = {
    ...carried,
    runId: input.runId ?? deps.ids.next('pruneRun'),
    now: input.now ?? started.toISOString(),
    steps: (input.steps ?? 0) + 1,
    generation: input.generation ?? 0,
    // An operator's one-tenant run starts on its tenant.
    ...(input.runId === undefined && input.tenantId !== undefined ? { tenant: input.tenantId } : {}),
  };
  const sums = { deleted: 0, archived: 0, skipped: 0, brakeTripped: 0 };
  let done = cursor.done === true;
  while (!done && deps.clock.now() < deadline) {
    if (cursor.tenant === undefined) {
      const next = await nextTenant(deps, cursor);
      if (next === undefined) {
        done = true;
        break;
      }
      const { tenantCursor: _old, ...rest } = cursor;
      cursor = { ...rest, ...next };
    }
    const result = await pruneTenant(deps, {
      tenantId: cursor.tenant as string,
      runId: cursor.runId as string,
      now: cursor.now as string,
      deadline,
    });
    sums.deleted += result.deleted;
    sums.archived += result.archived;
    sums.skipped += result.skipped;
    sums.brakeTripped += result.brakeTripped;
    if (!result.finished) break;
    const { tenant: _finished, ...rest } = cursor;
    cursor = rest;
    // An operator's one-tenant run ends with its tenant; a run of everyone with the registry's last tenant (no cursor
    // after it: otherwise the next nextTenant() would list from the start again and the run would never end).
    if (cursor.tenantId !== undefined || cursor.tenantCursor === undefined) done = true;
  }
  const totals = {
    deleted: (input.totals?.deleted ?? 0) + sums.deleted,
    archived: (input.totals?.archived ?? 0) + sums.archived,
    skipped: (input.totals?.skipped ?? 0) + sums.skipped,
  };
  const maxSteps = Math.min(input.maxSteps ?? PRUNE_MAX_STEPS_PER_EXECUTION, PRUNE_MAX_STEPS_PER_EXECUTION);
  const out: PruneCursor =
    !done && (cursor.steps ?? 0) >= maxSteps
      ? { ...cursor, totals, steps: 0, generation: (cursor.generation ?? 0) + 1, continueAsNew: true }
      : { ...cursor, totals, ...(done ? { done: true } : {}) };
  return { cursor: out, ...sums };
}
