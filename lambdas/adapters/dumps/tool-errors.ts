/**
 * What each side raises, so that code shared by dumps and restores is parametrized rather than copied:
 * - `DUMP_ERRORS`: a tool (or driver) failure is a DumpFailedError; a credential no file can carry is the
 *   caller's input, a ValidationError naming the field;
 * - `RESTORE_ERRORS`: RestoreFailedError for both.
 * Error names are the state machines' ErrorEquals strings, so which side raises what is part of the API.
 */
import { DumpFailedError, RestoreFailedError } from '../../domain/errors';
import { type CredentialRefusal, refuseAsInvalid } from './credentials';

export interface ToolErrors {
  /** A tool failed or is missing. */
  readonly failure: (message: string) => Error;
  readonly refuse: CredentialRefusal;
}

export const DUMP_ERRORS: ToolErrors = {
  failure: (message) => new DumpFailedError(message),
  refuse: refuseAsInvalid,
};

export const RESTORE_ERRORS: ToolErrors = {
  failure: (message) => new RestoreFailedError(message),
  refuse: (_field, message) => new RestoreFailedError(message),
};
