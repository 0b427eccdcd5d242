import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PRUNE_STATES } from '../../infra/constructs/retention';
import type { PruneRun } from '../../lambdas/domain/retention/prune-run';
import { overrideRuntimeForTests, runtime } from '../../lambdas/handlers/wiring';
import type { LocalService } from '../../scripts/local/service';
import { type Api, apiAs, startTestService } from '../support/local-service';
import {
  backUp,
  databaseSource,
  prune,
  runIdOf,
  runReport,
  smallDatabase,
  statusOf,
  vaultPrefix,
  vaultVersions,
  volumeSource,
} from '../support/retention-e2e';

/**
 * The prune machine (synthesized ASL, real step handler, moto + PostgreSQL) across tenants: a scheduled run (`{}`)
 * works through the tenant registry once and finishes; an operator's run for one tenant never touches another, and a
 * scheduled run applies each tenant's own policies.
 */
let service: LocalService;
let acme: Api;
let globex: Api;
let undo: (() => void) | undefined;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
  globex = apiAs(service, 'globex');
});

afterEach(() => {
  undo?.();
  undo = undefined;
});

afterAll(async () => {
  await service?.stop();
  for (const drop of cleanup.reverse()) await drop().catch(() => undefined);
});

async function database(prefix: string) {
  const db = await smallDatabase(prefix);
  cleanup.push(db.drop);
  return db;
}

async function objectsOf(tenant: string, sourceId: string, backupId: string): Promise<string[]> {
  return vaultVersions(service, vaultPrefix(tenant, sourceId, backupId));
}

describe('prune machine across tenants (synthesized ASL, real handler, moto + PostgreSQL)', () => {
  it('finishes a scheduled run ({}) after one pass over the tenant registry (regression: it started over after the last tenant and never finished)', async () => {
    // Prepare: two registered tenants, one deletion each
    const sources: [Api, string, string[]][] = [];
    for (const [api, tenant] of [
      [acme, 'acme'],
      [globex, 'globex'],
    ] as const) {
      const sourceId = await volumeSource(service, api, tenant, { retention: { keepLast: 1 } });
      sources.push([api, sourceId, await backUp(service, api, sourceId, 2)]);
    }
    // Five-second steps (a run that never ends shows within the timeout), and every run record the step writes
    const writes: string[] = [];
    const { catalog } = runtime();
    const { pruneRuns } = catalog;
    undo = overrideRuntimeForTests({
      env: { ...runtime().env, STRONGBOX_PRUNE_STEP_SECONDS: 5 },
      catalog: {
        ...catalog,
        pruneRuns: {
          get: (tenantId, id) => pruneRuns.get(tenantId, id),
          list: (tenantId, page) => pruneRuns.list(tenantId, page),
          save: (run: PruneRun) => {
            writes.push(`${run.tenantId} ${run.status}`);
            return pruneRuns.save(run);
          },
        },
      },
    });

    // Act
    const execution = await prune(service, {}, 30_000);

    // Assess: one step, one planning pass per tenant (a record written when it starts and when it finishes)
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(execution.states).toEqual([PRUNE_STATES.step, PRUNE_STATES.done, PRUNE_STATES.finished]);
    const runId = runIdOf(execution);
    expect(JSON.parse(execution.output ?? '{}').run).toMatchObject({ done: true, generation: 0, steps: 1 });
    expect(service.machines.list(service.pruneStateMachineArn).map((e) => e.name)).not.toContain(`${runId}-g1`);
    expect(writes).toEqual(['acme running', 'acme finished', 'globex running', 'globex finished']);
    for (const [api, sourceId, [old, kept]] of sources) {
      expect(await statusOf(api, old as string)).toBe('deleted');
      expect(await statusOf(api, kept as string)).toBe('succeeded');
      expect(await runReport(api, runId, sourceId)).toMatchObject({ planned: 1, deleted: 1 });
    }
  });

  it("keeps tenants apart: an operator's run for acme never touches globex; a scheduled run applies globex's own policies", async () => {
    // Prepare: acme keeps 1; globex has a source without a policy and one that keeps 1
    const acmeSource = await databaseSource(acme, await database('prune_acme'), { keepLast: 1 });
    const [acmeOld, acmeNew] = (await backUp(service, acme, acmeSource, 2)) as [string, string];
    const globexNoPolicy = await databaseSource(globex, await database('prune_globex_all'));
    const globexKept = await backUp(service, globex, globexNoPolicy, 2);
    const globexSource = await databaseSource(globex, await database('prune_globex'), { keepLast: 1 });
    const [globexOld, globexNew] = (await backUp(service, globex, globexSource, 2)) as [string, string];

    // Act
    const operatorRun = await prune(service, { run: { tenantId: 'acme' } });

    // Assess: acme pruned, globex untouched (catalog and vault), and the run is acme's alone
    expect(operatorRun.status, operatorRun.cause).toBe('SUCCEEDED');
    expect(await statusOf(acme, acmeOld)).toBe('deleted');
    expect(await statusOf(acme, acmeNew)).toBe('succeeded');
    for (const id of [...globexKept, globexOld, globexNew]) expect(await statusOf(globex, id)).toBe('succeeded');
    expect(await objectsOf('globex', globexSource, globexOld)).toHaveLength(2);
    const operatorRunId = runIdOf(operatorRun);
    expect((await globex.get(`/v1/retention/runs/${operatorRunId}`)).status).toBe(404);
    expect(await runReport(acme, operatorRunId, acmeSource)).toMatchObject({ planned: 1, deleted: 1 });

    // Act
    const scheduled = await prune(service, {});

    // Assess: globex's policy applied to globex only where it has one
    expect(scheduled.status, scheduled.cause).toBe('SUCCEEDED');
    expect(scheduled.states.at(-1)).toBe(PRUNE_STATES.finished);
    expect(await statusOf(globex, globexOld)).toBe('deleted');
    expect(await objectsOf('globex', globexSource, globexOld)).toEqual([]);
    expect(await statusOf(globex, globexNew)).toBe('succeeded');
    for (const id of globexKept) {
      expect(await statusOf(globex, id)).toBe('succeeded');
      expect(await objectsOf('globex', globexNoPolicy, id)).toHaveLength(2);
    }
    expect(await statusOf(acme, acmeNew)).toBe('succeeded');
    expect(await runReport(globex, runIdOf(scheduled), globexSource)).toMatchObject({ planned: 1, deleted: 1 });
  });
});
