import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';

/**
 * Tiny Lambda handlers for test/integration/local-step-functions.test.ts, found through `strongbox:entry` metadata
 * like the service's. What the approval functions receive is kept on globalThis: the registry may load this module
 * apart from the test's own module graph, but both run in the same process.
 */
export interface ApprovalRequest {
  readonly request: unknown;
  readonly taskToken: string;
}

const seen = globalThis as { localSfnApprovalRequests?: ApprovalRequest[] };

export function approvalRequests(): ApprovalRequest[] {
  seen.localSfnApprovalRequests ??= [];
  return seen.localSfnApprovalRequests;
}

export async function double(event: { value: number }): Promise<{ value: number }> {
  return { value: event.value * 2 };
}

/** Stores the token (as the restore approval function will) and returns something the task must not use. */
export async function requestApproval(event: ApprovalRequest): Promise<{ stored: true }> {
  approvalRequests().push(event);
  return { stored: true };
}

/** Completes its own token before it returns, through the Step Functions endpoint it is given. */
export async function approveAtOnce(event: { taskToken: string; endpoint: string }): Promise<null> {
  const sfn = new SFNClient({
    region: 'us-east-1',
    endpoint: event.endpoint,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  await sfn.send(new SendTaskSuccessCommand({ taskToken: event.taskToken, output: '{"approvedBy":"robot"}' }));
  return null;
}

export async function boom(): Promise<never> {
  const error = new Error('the disk is full');
  error.name = 'DiskFull';
  throw error;
}
