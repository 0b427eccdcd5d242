import { z } from 'zod';
import { isValidTimeZone } from '../domain/retention/calendar';
import { MAX_KEEP_COUNT, parseDuration, type RetentionPolicy } from '../domain/retention/policy';
import { parseInput } from './validation';

/**
 * The retention spec as tenants send it (part of a source's or policy's settings). Strict: an unknown field is a 400
 * naming it. Semantics in docs/retention.md; the planner is lambdas/domain/retention.
 */
const keepCount = z.union(
  [z.number().int().min(0).max(MAX_KEEP_COUNT), z.literal('unlimited')],
  `must be a whole number from 0 to ${MAX_KEEP_COUNT} or 'unlimited'`,
);

const durationObject = z.strictObject({
  years: z.number().int().min(0).optional(),
  months: z.number().int().min(0).optional(),
  weeks: z.number().int().min(0).optional(),
  days: z.number().int().min(0).optional(),
  hours: z.number().int().min(0).optional(),
});

function isDuration(value: string): boolean {
  try {
    parseDuration(value);
    return true;
  } catch {
    return false;
  }
}

export const durationSchema = z.union(
  [
    z
      .string()
      .max(40)
      .refine(isDuration, 'must be a duration of years, months, weeks, days and hours such as P30D or PT12H'),
    durationObject,
  ],
  'must be an ISO-8601 duration such as P30D or PT12H, or {days, hours}',
);

export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isValidTimeZone, 'must be an IANA time zone such as Europe/London or UTC');

export const manualRuleSchema = z
  .strictObject({ keepWithin: durationSchema.optional(), keepLast: keepCount.optional() })
  .refine((rule) => rule.keepWithin !== undefined || rule.keepLast !== undefined, 'needs keepWithin or keepLast');

export const retentionPolicySchema = z.strictObject({
  keepLast: keepCount.optional(),
  keepHourly: keepCount.optional(),
  keepDaily: keepCount.optional(),
  keepWeekly: keepCount.optional(),
  keepMonthly: keepCount.optional(),
  keepYearly: keepCount.optional(),
  keepWithin: durationSchema.optional(),
  timeZone: timeZoneSchema.default('UTC'),
  manual: manualRuleSchema.optional(),
});

export type RetentionPolicyInput = z.input<typeof retentionPolicySchema>;

/** Parses a retention spec; a ValidationError names every offending field (`keepDaily`, `manual.keepWithin`…). */
export function parseRetentionPolicy(value: unknown): RetentionPolicy {
  return parseInput(retentionPolicySchema, value, 'retention policy');
}
