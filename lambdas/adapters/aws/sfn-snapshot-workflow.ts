import {
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { SnapshotBackupWorkflow, TaskTokens } from '../../ports/jobs';

/**
 * Starts the snapshot backup machine. The execution is named after the backup id: a second start of the same backup
 * is refused by Step Functions (ExecutionAlreadyExists) and treated as done, so a retried request never doubles.
 */
export class StepFunctionsSnapshotWorkflow implements SnapshotBackupWorkflow {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(input: { tenantId: string; backupId: string }): Promise<void> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: input.backupId,
          input: JSON.stringify({ tenantId: input.tenantId, backupId: input.backupId }),
        }),
      );
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) return;
      throw error;
    }
  }
}

/** SendTaskSuccess / SendTaskFailure: how an approval decision resumes the waiting restore machine. */
export class StepFunctionsTaskTokens implements TaskTokens {
  constructor(private readonly sfn: SFNClient) {}

  async succeed(token: string, output: unknown): Promise<void> {
    await this.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output ?? {}) }));
  }

  async fail(token: string, error: { name: string; cause: string }): Promise<void> {
    // Step Functions limits: error ≤ 256 characters, cause ≤ 32,768.
    await this.sfn.send(
      new SendTaskFailureCommand({
        taskToken: token,
        error: error.name.slice(0, 256),
        cause: error.cause.slice(0, 32_768),
      }),
    );
  }
}
