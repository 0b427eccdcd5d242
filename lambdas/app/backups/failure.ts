import type { BackupError } from '../../domain/backup';
import { isStrongboxError } from '../../domain/errors';
import { redact } from '../../domain/redact';

/**
 * What a failed backup or restore records: the error's code and message for Strongbox errors (already redacted
 * where they were made), and a redacted, generic message for anything unexpected.
 */
export function describeFailure(error: unknown, secrets: readonly string[]): BackupError {
  if (isStrongboxError(error)) return { code: error.code, message: redact(error.message, secrets) };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal_error', message: `unexpected error: ${redact(message, secrets).slice(0, 500)}` };
}
