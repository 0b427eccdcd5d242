import { StateMachine as LocalStateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { RESTORE_STATES } from '../../infra/constructs/restore';
import { ENTRIES, entryPath } from '../../infra/contract';
import { type AslDefinition, functionsByEntry, resourcesOfType, stateMachineDefinition, synth } from './support';

const TASKS = [
  RESTORE_STATES.prepare,
  RESTORE_STATES.checkApproval,
  RESTORE_STATES.verify,
  RESTORE_STATES.preRestoreBackup,
  RESTORE_STATES.load,
  RESTORE_STATES.check,
  RESTORE_STATES.recordSuccess,
  RESTORE_STATES.recordFailure,
];

type Json = Parameters<LocalStateMachine['run']>[0];

/** Runs the synthesized definition with a local handler per task that records the input it received. */
async function run(
  definition: AslDefinition,
  input: Json,
  handlers: Partial<Record<string, (state: Record<string, unknown>) => unknown>> = {},
) {
  const visited: Array<{ state: string; input: Record<string, unknown> }> = [];
  const taskResourceLocalHandlers = Object.fromEntries(
    TASKS.map((state) => [
      state,
      async (stateInput: Json) => {
        const received = stateInput as Record<string, unknown>;
        visited.push({ state, input: received });
        const fallback = state === RESTORE_STATES.checkApproval ? () => ({ required: false }) : () => ({ done: state });
        return (handlers[state] ?? fallback)(received) as Json;
      },
    ]),
  );
  const asl = definition as unknown as ConstructorParameters<typeof LocalStateMachine>[0];
  const machine = new LocalStateMachine(asl, { validationOptions: { checkArn: false } });
  const execution = machine.run(input, { overrides: { taskResourceLocalHandlers, retryIntervalOverrides: {} } });
  try {
    return { output: (await execution.result) as unknown, error: undefined, visited };
  } catch (error) {
    return { output: undefined, error: error as Error & { cause?: unknown }, visited };
  }
}

const prepared = (replaceExisting: boolean) => () => ({ tenantId: 'ten_a', restoreId: 'rst_1', replaceExisting });

describe('restore state machine', () => {
  it('has exactly the documented states', () => {
    // Prepare
    const { service } = synth();

    // Act
    const definition = stateMachineDefinition(service);

    // Assess
    expect(definition.StartAt).toBe(RESTORE_STATES.prepare);
    expect(Object.keys(definition.States).sort()).toEqual(Object.values(RESTORE_STATES).sort());
  });

  it('wires the documented transitions', () => {
    // Prepare
    const { service } = synth();

    // Act
    const { States: states } = stateMachineDefinition(service);

    // Assess
    expect(states[RESTORE_STATES.prepare]?.Next).toBe(RESTORE_STATES.checkApproval);
    expect(states[RESTORE_STATES.checkApproval]?.Next).toBe(RESTORE_STATES.approvalRequired);
    expect(states[RESTORE_STATES.approvalRequired]).toMatchObject({
      Type: 'Choice',
      Default: RESTORE_STATES.restoreKind,
      Choices: [expect.objectContaining({ Variable: '$.approvalCheck.required', Next: RESTORE_STATES.awaitApproval })],
    });
    expect(states[RESTORE_STATES.awaitApproval]).toMatchObject({
      Resource: expect.stringMatching(/lambda:invoke\.waitForTaskToken$/),
      Parameters: { Payload: { action: 'await', 'taskToken.$': '$$.Task.Token' } },
      TimeoutSeconds: 7 * 24 * 3600,
      ResultPath: '$.approval',
      Next: RESTORE_STATES.restoreKind,
    });
    expect(states[RESTORE_STATES.restoreKind]).toMatchObject({
      Type: 'Choice',
      Default: RESTORE_STATES.verify,
      Choices: [
        expect.objectContaining({ Next: RESTORE_STATES.replaceVolumes }),
        expect.objectContaining({ Next: RESTORE_STATES.restoreDb }),
      ],
    });
    expect(states[RESTORE_STATES.verify]?.Next).toBe(RESTORE_STATES.replaceExisting);
    expect(states[RESTORE_STATES.replaceExisting]).toMatchObject({
      Type: 'Choice',
      Default: RESTORE_STATES.load,
      Choices: [expect.objectContaining({ Next: RESTORE_STATES.preRestoreBackup })],
    });
    expect(JSON.stringify(states[RESTORE_STATES.replaceExisting]?.Choices)).toContain('"$.replaceExisting"');
    expect(states[RESTORE_STATES.preRestoreBackup]?.Next).toBe(RESTORE_STATES.load);
    expect(states[RESTORE_STATES.load]?.Next).toBe(RESTORE_STATES.check);
    expect(states[RESTORE_STATES.check]?.Next).toBe(RESTORE_STATES.recordSuccess);
    expect(states[RESTORE_STATES.recordSuccess]?.End).toBe(true);
    expect(states[RESTORE_STATES.recordFailure]?.Next).toBe(RESTORE_STATES.failed);
    expect(states[RESTORE_STATES.failed]).toEqual({
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.error.Cause',
    });
  });

  it('catches every error of every task into $.error and records the failure', () => {
    // Prepare
    const { service } = synth();

    // Act
    const { States: states } = stateMachineDefinition(service);

    // Assess
    for (const state of TASKS.filter((name) => name !== RESTORE_STATES.recordFailure)) {
      expect(states[state]?.Catch, state).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: RESTORE_STATES.recordFailure },
      ]);
    }
    expect(states[RESTORE_STATES.recordFailure]?.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.recordFailureError', Next: RESTORE_STATES.failed },
    ]);
  });

  it('invokes each task function by ARN with the whole state as payload and its result where documented', () => {
    // Prepare
    const { service } = synth();
    const functionOf = (entry: string) =>
      `arn:placeholder:${functionsByEntry(service).get(entryPath(entry))?.logicalId}`;

    // Act
    const { States: states } = stateMachineDefinition(service);

    // Assess
    const expected: Array<[string, string, string | null | undefined]> = [
      [RESTORE_STATES.prepare, ENTRIES.restorePrepare, undefined],
      [RESTORE_STATES.verify, ENTRIES.restoreVerify, null],
      [RESTORE_STATES.preRestoreBackup, ENTRIES.restorePreBackup, '$.preRestore'],
      [RESTORE_STATES.load, ENTRIES.restoreLoad, null],
      [RESTORE_STATES.check, ENTRIES.restoreCheck, '$.check'],
      [RESTORE_STATES.recordSuccess, ENTRIES.restoreComplete, null],
      [RESTORE_STATES.recordFailure, ENTRIES.restoreFail, null],
    ];
    for (const [state, entry, resultPath] of expected) {
      expect(states[state], state).toMatchObject({ Type: 'Task', Resource: functionOf(entry) });
      expect(states[state]?.Parameters, state).toBeUndefined();
      expect(states[state]?.ResultPath, state).toBe(resultPath);
      expect(states[state]?.Retry?.[0]?.ErrorEquals, state).toContain('Lambda.ServiceException');
    }
  });

  it("bounds every task by an explicit timeout longer than its function's, so no executor applies a default", () => {
    // Prepare
    const { service } = synth();
    const functions = [...functionsByEntry(service).values()];

    // Act
    const { States: states } = stateMachineDefinition(service);

    // Assess
    for (const [name, state] of Object.entries(states).filter(([, state]) => state.Type === 'Task')) {
      // Direct Lambda ARNs, or the `lambda:invoke` integrations (the approval gate) that name it in Parameters.
      const target = String(
        state.Resource?.startsWith('arn:placeholder:')
          ? state.Resource
          : (state.Parameters as { FunctionName?: string } | undefined)?.FunctionName,
      );
      const fn = functions.find((candidate) => target === `arn:placeholder:${candidate.logicalId}`);
      const functionTimeout = Number(fn?.resource.Properties.Timeout);
      expect(state.TimeoutSeconds, name).toBeGreaterThan(functionTimeout);
    }
  });

  it('uses JSONPath only: no JSONata and no distributed map anywhere in the service stack', () => {
    // Prepare
    const { service } = synth();

    // Act
    const definition = JSON.stringify(stateMachineDefinition(service));
    const template = JSON.stringify(service.toJSON());

    // Assess
    expect(definition).not.toContain('JSONata');
    expect(template).not.toMatch(/"QueryLanguage"\s*:\s*"JSONata"/);
    expect(definition).not.toContain('ItemProcessor');
    expect(definition).not.toContain('DISTRIBUTED');
  });

  it('logs every execution event without its data (the approval task token) to a log group and traces with X-Ray', () => {
    // Prepare
    const { service } = synth();

    // Act
    const [machine] = Object.entries(resourcesOfType(service, 'AWS::StepFunctions::StateMachine'))
      .filter(([logicalId]) => logicalId.startsWith('Restore'))
      .map(([, resource]) => resource);

    // Assess
    expect(machine?.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } } }],
      },
    });
  });

  it('restores into a new database without a pre-restore backup', async () => {
    // Prepare
    const definition = stateMachineDefinition(synth().service);

    // Act
    const result = await run(
      definition,
      { tenantId: 'ten_a', restoreId: 'rst_1' },
      {
        [RESTORE_STATES.prepare]: prepared(false),
        [RESTORE_STATES.check]: () => ({ tables: 3 }),
      },
    );

    // Assess
    expect(result.error).toBeUndefined();
    expect(result.visited.map((step) => step.state)).toEqual([
      RESTORE_STATES.prepare,
      RESTORE_STATES.checkApproval,
      RESTORE_STATES.verify,
      RESTORE_STATES.load,
      RESTORE_STATES.check,
      RESTORE_STATES.recordSuccess,
    ]);
    expect(result.visited.at(-1)?.input).toEqual({
      tenantId: 'ten_a',
      restoreId: 'rst_1',
      replaceExisting: false,
      approvalCheck: { required: false },
      check: { tables: 3 },
    });
  });

  it('takes a pre-restore backup before replacing an existing database', async () => {
    // Prepare
    const definition = stateMachineDefinition(synth().service);

    // Act
    const result = await run(
      definition,
      { tenantId: 'ten_a', restoreId: 'rst_1' },
      {
        [RESTORE_STATES.prepare]: prepared(true),
        [RESTORE_STATES.preRestoreBackup]: () => ({ backupId: 'bkp_pre' }),
      },
    );

    // Assess
    expect(result.error).toBeUndefined();
    expect(result.visited.map((step) => step.state)).toEqual([
      RESTORE_STATES.prepare,
      RESTORE_STATES.checkApproval,
      RESTORE_STATES.verify,
      RESTORE_STATES.preRestoreBackup,
      RESTORE_STATES.load,
      RESTORE_STATES.check,
      RESTORE_STATES.recordSuccess,
    ]);
    expect(result.visited.find((step) => step.state === RESTORE_STATES.load)?.input).toMatchObject({
      preRestore: { backupId: 'bkp_pre' },
    });
  });

  it('records a failed load and fails the execution with the original error', async () => {
    // Prepare
    const definition = stateMachineDefinition(synth().service);

    // Act
    const result = await run(
      definition,
      { tenantId: 'ten_a', restoreId: 'rst_1' },
      {
        [RESTORE_STATES.prepare]: prepared(false),
        [RESTORE_STATES.load]: () => {
          const error = new Error('pg_restore exited with 1');
          error.name = 'RestoreFailedError';
          throw error;
        },
      },
    );

    // Assess
    expect(result.visited.map((step) => step.state)).toEqual([
      RESTORE_STATES.prepare,
      RESTORE_STATES.checkApproval,
      RESTORE_STATES.verify,
      RESTORE_STATES.load,
      RESTORE_STATES.recordFailure,
    ]);
    expect(result.visited.at(-1)?.input).toMatchObject({
      restoreId: 'rst_1',
      error: { Error: 'RestoreFailedError', Cause: expect.stringContaining('pg_restore exited with 1') },
    });
    // The Fail state surfaces the task's error (ErrorPath/CausePath), not the failure of recording it.
    expect(result.error?.cause).toMatchObject({
      name: 'RestoreFailedError',
      message: expect.stringContaining('pg_restore exited with 1'),
    });
  });

  it('still fails with the original error when recording the failure fails too', async () => {
    // Prepare
    const definition = stateMachineDefinition(synth().service);
    const failing = (name: string, message: string) => () => {
      const error = new Error(message);
      error.name = name;
      throw error;
    };

    // Act
    const result = await run(
      definition,
      { tenantId: 'ten_a', restoreId: 'rst_1' },
      {
        [RESTORE_STATES.prepare]: prepared(false),
        [RESTORE_STATES.verify]: failing('ChecksumMismatchError', 'sha-256 differs'),
        [RESTORE_STATES.recordFailure]: failing('StaleStateError', 'restore changed meanwhile'),
      },
    );

    // Assess
    expect(result.visited.map((step) => step.state)).toEqual([
      RESTORE_STATES.prepare,
      RESTORE_STATES.checkApproval,
      RESTORE_STATES.verify,
      RESTORE_STATES.recordFailure,
    ]);
    expect(result.error?.cause).toMatchObject({ name: 'ChecksumMismatchError' });
  });
});
