import { z } from 'zod';
import { PLAN_NAMES, type PlanName } from '../domain/plans';

/** PUT /v1/tenants/{id}: the plan an operator assigns (onboarding a tenant creates its entry). */
export const assignPlanSchema = z.strictObject({
  plan: z.enum(PLAN_NAMES as [PlanName, ...PlanName[]]),
});
