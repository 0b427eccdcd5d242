import { z } from 'zod';
import { EVENT_TYPES } from '../domain/events';
import { ALL_EVENTS, MAX_SECRET_LENGTH, MAX_URL_LENGTH, MIN_SECRET_LENGTH } from '../domain/webhook';
import { idSchema } from './id-schemas';
import { pageQuerySchema } from './schemas';

/**
 * Webhooks as tenants send them (`PUT /v1/webhooks/{id}`). Strict: an unknown field is a 400 naming it. Whether the
 * URL's host is public is the use case's question (it resolves the name).
 */
export const putWebhookSchema = z.strictObject({
  url: z.string().min(1).max(MAX_URL_LENGTH),
  events: z
    .array(z.enum([...EVENT_TYPES, ALL_EVENTS]))
    .min(1)
    .max(EVENT_TYPES.length),
  description: z.string().trim().min(1).max(200).optional(),
  enabled: z.boolean().default(true),
  /** Printable ASCII: what signing libraries and environment variables handle without surprises. */
  secret: z
    .string()
    .min(MIN_SECRET_LENGTH)
    .max(MAX_SECRET_LENGTH)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
});

export const deliveriesQuerySchema = pageQuerySchema.extend({ webhookId: idSchema('webhook').optional() });
