import type { z } from 'zod';
import { ValidationError } from '../domain/errors';

/** Parses with a zod schema; failures become a ValidationError that names every offending field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what = 'request'): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.flatMap((issue) => {
    const base = issue.path.map(String);
    // Unknown fields are named one by one: `tenantId` in a body is rejected by name (mass assignment).
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...base, key].join('.'), message: 'unknown field' }));
    }
    return [{ path: base.length > 0 ? base.join('.') : what, message: issue.message }];
  });
  const summary = fields.map((field) => `${field.path}: ${field.message}`).join('; ');
  throw new ValidationError(`invalid ${what}: ${summary}`, fields);
}

/** JSON body of an API Gateway event; a body that is not JSON is a 400, not a 500. */
export function parseJsonBody(body: string | null | undefined, isBase64Encoded = false): unknown {
  if (body === null || body === undefined || body === '') {
    throw new ValidationError('request body is required', [{ path: 'body', message: 'required' }]);
  }
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ValidationError('request body is not valid JSON', [{ path: 'body', message: 'not valid JSON' }]);
  }
}
