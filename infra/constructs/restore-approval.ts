import { Duration } from 'aws-cdk-lib';
import {
  Choice,
  Condition,
  Errors,
  type IChainable,
  IntegrationPattern,
  JsonPath,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { StrongboxFunction } from './function';

export const APPROVAL_STATES = {
  check: 'Check approval',
  required: 'Approval required?',
  wait: 'Await approval',
} as const;

/** How long a restore waits for a decision before it fails (States.Timeout, recorded as the reason). */
export const APPROVAL_TIMEOUT = Duration.days(7);

/**
 * The approval gate of the restore machine (four eyes): "Check approval" decides and records whether the restore
 * must be approved (source settings, or anything replaced); if so, "Await approval" hands the function a task token
 * and waits until POST /v1/restores/{id}/approve or /reject resumes it (SendTaskSuccess / SendTaskFailure with
 * RestoreRejectedError). Nothing has been created or changed before the gate; errors go to `recordFailure`.
 */
export function approvalGate(
  scope: Construct,
  props: { fn: StrongboxFunction; next: IChainable; recordFailure: IChainable },
): IChainable {
  const ids = { tenantId: JsonPath.stringAt('$.tenantId'), restoreId: JsonPath.stringAt('$.restoreId') };
  const check = new LambdaInvoke(scope, 'CheckApproval', {
    stateName: APPROVAL_STATES.check,
    lambdaFunction: props.fn.function,
    payloadResponseOnly: true,
    payload: TaskInput.fromObject({ action: 'check', ...ids }),
    taskTimeout: Timeout.duration(Duration.minutes(2)),
    resultPath: '$.approvalCheck',
  });
  const wait = new LambdaInvoke(scope, 'AwaitApproval', {
    stateName: APPROVAL_STATES.wait,
    lambdaFunction: props.fn.function,
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: TaskInput.fromObject({ action: 'await', ...ids, taskToken: JsonPath.taskToken }),
    taskTimeout: Timeout.duration(APPROVAL_TIMEOUT),
    resultPath: '$.approval',
  });
  for (const state of [check, wait])
    state.addCatch(props.recordFailure, { errors: [Errors.ALL], resultPath: '$.error' });
  wait.next(props.next);
  const required = new Choice(scope, 'ApprovalRequired', { stateName: APPROVAL_STATES.required })
    .when(Condition.booleanEquals('$.approvalCheck.required', true), wait)
    .otherwise(props.next);
  return check.next(required);
}
