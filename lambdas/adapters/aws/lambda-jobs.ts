import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { ServiceUnavailableError } from '../../domain/errors';
import type { BackupJobs } from '../../ports/jobs';

/** Starts the dump and verify workers with asynchronous Lambda invocations (InvocationType Event). */
export class LambdaBackupJobs implements BackupJobs {
  constructor(
    private readonly lambda: LambdaClient,
    /** A function that starts no verification (the dispatcher) is given no verify function. */
    private readonly functions: { readonly dump: string; readonly verify?: string | undefined },
  ) {}

  startDump(input: { tenantId: string; backupId: string }): Promise<void> {
    return this.invoke(this.functions.dump, input);
  }

  startVerify(input: { tenantId: string; backupId: string }): Promise<void> {
    if (!this.functions.verify) throw new Error('STRONGBOX_VERIFY_FUNCTION is not configured for this function');
    return this.invoke(this.functions.verify, input);
  }

  private async invoke(functionName: string, payload: { tenantId: string; backupId: string }): Promise<void> {
    const response = await this.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(payload)),
      }),
    );
    if (response.StatusCode !== 202) {
      throw new ServiceUnavailableError(`asynchronous invocation of ${functionName} returned ${response.StatusCode}`);
    }
  }
}
