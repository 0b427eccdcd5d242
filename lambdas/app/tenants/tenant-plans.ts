import { NotFoundError } from '../../domain/errors';
import type { PlanName, TenantPlan } from '../../domain/plans';
import { assignPlan, planOf, type TenantEntry, type TenantPlanChoice } from '../../domain/tenant';
import type { Catalog, Page, PageRequest } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';

type Tenants = Pick<Catalog, 'tenants'>;

/** The plan that bounds a tenant's work: the one an operator assigned, else the deployment's default. */
export async function tenantPlan(catalog: Tenants, tenantId: string, defaultPlan: PlanName): Promise<TenantPlan> {
  return planOf(await catalog.tenants.get(tenantId), defaultPlan).plan;
}

/** A tenant for operators: its entry, the plan in force (and whether assigned), and that plan's limits. */
export interface TenantSummary extends Omit<TenantEntry, 'plan'> {
  readonly plan: string;
  readonly planSource: TenantPlanChoice['planSource'];
  readonly limits: TenantPlan;
}

function summary(entry: TenantEntry, defaultPlan: PlanName): TenantSummary {
  const { plan, planSource } = planOf(entry, defaultPlan);
  return { ...entry, plan: plan.name, planSource, limits: plan };
}

/** Operators: every tenant, in id order. */
export async function listTenants(
  catalog: Tenants,
  page: PageRequest,
  defaultPlan: PlanName,
): Promise<Page<TenantSummary>> {
  const listed = await catalog.tenants.entries(page);
  return { ...listed, items: listed.items.map((entry) => summary(entry, defaultPlan)) };
}

export async function getTenant(catalog: Tenants, tenantId: string, defaultPlan: PlanName): Promise<TenantSummary> {
  const entry = await catalog.tenants.get(tenantId);
  if (entry === undefined) throw new NotFoundError('tenant', tenantId);
  return summary(entry, defaultPlan);
}

/** Operators: a known tenant, or one being onboarded before its first source (the entry is created). */
export async function assignTenantPlan(
  deps: { readonly catalog: Tenants; readonly clock: Clock },
  input: { tenantId: string; plan: PlanName; by: string; defaultPlan: PlanName },
): Promise<TenantSummary> {
  const current = await deps.catalog.tenants.get(input.tenantId);
  const entry = assignPlan(current, { ...input, at: deps.clock.now().toISOString() });
  await deps.catalog.tenants.put(entry);
  return summary(entry, input.defaultPlan);
}
