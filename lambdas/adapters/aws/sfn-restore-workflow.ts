import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { RestoreWorkflow } from '../../ports/jobs';

/**
 * Starts the restore state machine. The execution is named after the restore id, which makes the start idempotent
 * (Step Functions refuses a second execution with the same name) and the execution ARN derivable.
 */
export class StepFunctionsRestoreWorkflow implements RestoreWorkflow {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  executionArnFor(restoreId: string): string {
    // arn:aws:states:region:account:stateMachine:name → arn:aws:states:region:account:execution:name:restoreId
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${restoreId}`;
  }

  async start(input: { tenantId: string; restoreId: string }): Promise<void> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: input.restoreId,
          input: JSON.stringify({ tenantId: input.tenantId, restoreId: input.restoreId }),
        }),
      );
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) return;
      throw error;
    }
  }
}
