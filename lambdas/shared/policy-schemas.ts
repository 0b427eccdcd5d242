import { z } from 'zod';
import {
  MAX_SCHEDULES_PER_POLICY,
  MAX_SELECTED_SOURCES,
  MAX_WINDOW_MINUTES,
  SCHEDULE_NAME_PATTERN,
} from '../domain/policy';
import { idSchema } from './id-schemas';
import { retentionPolicySchema, timeZoneSchema } from './retention-schemas';
import { regionSchema, tagsSchema } from './schemas';

/**
 * Policies as tenants send them (`PUT /v1/policies/{id}`). Strict: an unknown field is a 400 naming it. The expression's
 * syntax, whether it fires and the plan's minimum interval are checked by the use case (lambdas/domain/schedule).
 */
const scheduleSchema = z.strictObject({
  name: z.string().regex(SCHEDULE_NAME_PATTERN, 'must be 1–16 lowercase letters, digits or dashes'),
  expression: z.string().trim().min(1).max(256),
  timezone: timeZoneSchema.default('UTC'),
  windowMinutes: z.number().int().min(0).max(MAX_WINDOW_MINUTES).default(0),
});

export const putPolicySchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  sources: z.strictObject({
    ids: z.array(idSchema('source')).max(MAX_SELECTED_SOURCES).default([]),
    tags: tagsSchema.default({}),
  }),
  schedules: z.array(scheduleSchema).min(1).max(MAX_SCHEDULES_PER_POLICY),
  /** For the sources it selects, where their own settings are silent (lambdas/domain/policy-settings.ts). */
  settings: z
    .strictObject({
      retention: retentionPolicySchema.optional(),
      copyRegions: z.array(regionSchema).max(5).optional(),
      restoreApproval: z.boolean().optional(),
    })
    .optional(),
});

export const nextRunsQuerySchema = z.strictObject({
  count: z.coerce.number().int().min(1).max(100).default(10),
});
