import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { awsCli, awsCliJson, awsCliPath } from '../support/local-aws-cli';
import { startTestService } from '../support/local-service';

/**
 * The local Step Functions endpoint as an operator meets it: the real AWS CLI (`aws stepfunctions …
 * --endpoint-url`), the synthesized restore state machine, the real handlers.
 */
let service: LocalService;

const UNKNOWN_BACKUP = 'bkp_01JAAAAAAAAAAAAAAAAAAAAAAA';

interface Execution {
  executionArn: string;
  status: string;
  error?: string;
  cause?: string;
}

const cli = <T = Record<string, unknown>>(...args: string[]) =>
  awsCliJson<T>(service.awsUrl, ['stepfunctions', ...args]);

/** describe-execution until the execution has finished (or a minute has passed). */
async function untilFinished(executionArn: string): Promise<Execution> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const execution = await cli<Execution>('describe-execution', '--execution-arn', executionArn);
    if (execution.status !== 'RUNNING' || Date.now() > deadline) return execution;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  awsCliPath(); // fails the file with a clear message when the CLI is missing
  service = await startTestService();
});

afterAll(async () => {
  await service?.stop();
});

describe('aws stepfunctions against local mode', () => {
  it('lists the state machines, the restore machine among them', async () => {
    // Act
    const listed = await cli<{ stateMachines: { stateMachineArn: string; type: string }[] }>('list-state-machines');

    // Assess
    expect(listed.stateMachines).toContainEqual(
      expect.objectContaining({ stateMachineArn: service.restoreStateMachineArn, type: 'STANDARD' }),
    );
  });

  it('runs a restore of a backup that does not exist to FAILED, with the reason, and lists it', async () => {
    // Act
    const started = await cli<{ executionArn: string; startDate: string }>(
      'start-execution',
      '--state-machine-arn',
      service.restoreStateMachineArn,
      '--name',
      'cli-unknown-backup',
      '--input',
      JSON.stringify({ tenantId: 'acme', backupId: UNKNOWN_BACKUP, target: { database: 'cli_restore_target' } }),
    );
    const execution = await untilFinished(started.executionArn);
    const failed = await cli<{ executions: Execution[] }>(
      'list-executions',
      '--state-machine-arn',
      service.restoreStateMachineArn,
      '--status-filter',
      'FAILED',
    );

    // Assess
    expect(started.executionArn).toBe(
      `${service.restoreStateMachineArn.replace(':stateMachine:', ':execution:')}:cli-unknown-backup`,
    );
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBeTruthy();
    expect(`${execution.error} ${execution.cause}`).toContain(UNKNOWN_BACKUP);
    expect(failed.executions.map((listed) => listed.executionArn)).toContain(started.executionArn);
  });

  it('answers send-task-failure with a garbage token with InvalidToken (and a non-zero exit)', async () => {
    // Act
    const result = await awsCli(service.awsUrl, [
      'stepfunctions',
      'send-task-failure',
      '--task-token',
      'garbage',
      '--error',
      'RestoreRejected',
    ]);

    // Assess
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('InvalidToken');
  });
});
