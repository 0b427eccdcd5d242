import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalFunctions } from './functions';
import type { LocalExecution, LocalStateMachines } from './state-machines';

/**
 * One HTTP endpoint speaking two AWS protocols, for the services moto cannot run here:
 * - Lambda `Invoke` (REST: POST /2015-03-31/functions/{name}/invocations), sync and async;
 * - Step Functions (JSON 1.0: POST / with X-Amz-Target AWSStepFunctions.*): StartExecution, DescribeExecution,
 *   ListExecutions, ListStateMachines, StopExecution, and the task-token calls SendTaskSuccess, SendTaskFailure,
 *   SendTaskHeartbeat;
 * - and the local issuer's JWKS document.
 * The SDK clients (AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL_SFN) and the AWS CLI (`--endpoint-url`) talk to it.
 */
async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers });
  response.end(body === undefined ? '' : JSON.stringify(body));
}

function awsError(response: ServerResponse, status: number, type: string, message: string): void {
  sendJson(response, status, { __type: type, message, Message: message }, { 'x-amzn-errortype': type });
}

const CLIENT_ERRORS = new Set([
  'UnknownOperationException',
  'SerializationException',
  'ExecutionAlreadyExists',
  'StateMachineDoesNotExist',
  'ExecutionDoesNotExist',
  'InvalidToken',
  'TaskDoesNotExist',
  'TaskTimedOut',
  'InvalidOutput',
  'ValidationException',
]);

class ValidationError extends Error {
  override readonly name = 'ValidationException';
}

/** A required string member of a request; the service answers a missing one with ValidationException. */
function required(input: Record<string, unknown>, member: string): string {
  const value = input[member];
  if (typeof value === 'string' && value !== '') return value;
  throw new ValidationError(`1 validation error detected: Value null at '${member}' failed to satisfy constraint`);
}

const optional = (value: unknown) => (typeof value === 'string' ? value : undefined);

const epochSeconds = (date: Date | undefined) => (date ? date.getTime() / 1000 : undefined);

function executionView(execution: LocalExecution) {
  return {
    executionArn: execution.executionArn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: epochSeconds(execution.startDate),
    ...(execution.stopDate ? { stopDate: epochSeconds(execution.stopDate) } : {}),
    input: execution.input,
    ...(execution.output !== undefined ? { output: execution.output } : {}),
    ...(execution.error !== undefined ? { error: execution.error } : {}),
    ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
  };
}

async function handleLambda(
  functions: LocalFunctions,
  request: IncomingMessage,
  response: ServerResponse,
  name: string,
) {
  const payload = await readBody(request);
  const event = payload ? (JSON.parse(payload) as unknown) : {};
  if (!functions.find(name)) {
    awsError(response, 404, 'ResourceNotFoundException', `Function not found: ${name}`);
    return;
  }
  const type = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  if (type === 'Event') {
    functions.invokeAsync(name, event);
    response.writeHead(202).end();
    return;
  }
  if (type === 'DryRun') {
    response.writeHead(204).end();
    return;
  }
  try {
    const result = await functions.invoke(name, event);
    response.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });
    response.end(JSON.stringify(result ?? null));
  } catch (error) {
    const failure = error as Error;
    response.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
    response.end(JSON.stringify({ errorType: failure.name, errorMessage: failure.message, trace: [] }));
  }
}

function handleStepFunctions(machines: LocalStateMachines, action: string, input: Record<string, unknown>): unknown {
  switch (action) {
    case 'StartExecution': {
      const execution = machines.start(String(input.stateMachineArn), {
        ...(input.name ? { name: String(input.name) } : {}),
        ...(input.input !== undefined ? { input: String(input.input) } : {}),
      });
      return { executionArn: execution.executionArn, startDate: epochSeconds(execution.startDate) };
    }
    case 'DescribeExecution':
      return executionView(machines.describe(String(input.executionArn)));
    case 'ListExecutions':
      return {
        executions: machines
          .list(String(input.stateMachineArn), input.statusFilter as LocalExecution['status'] | undefined)
          .slice(0, Number(input.maxResults ?? 100) || 100)
          .map(({ executionArn, stateMachineArn, name, status, startDate, stopDate }) => ({
            executionArn,
            stateMachineArn,
            name,
            status,
            startDate: epochSeconds(startDate),
            ...(stopDate ? { stopDate: epochSeconds(stopDate) } : {}),
          })),
      };
    case 'StopExecution': {
      const stopped = machines.stop(required(input, 'executionArn'), {
        error: optional(input.error),
        cause: optional(input.cause),
      });
      return { stopDate: epochSeconds(stopped.stopDate) };
    }
    // The task-token calls answer `{}`; InvalidToken, TaskTimedOut, TaskDoesNotExist and InvalidOutput are 400s.
    case 'SendTaskSuccess':
      machines.sendTaskSuccess(required(input, 'taskToken'), required(input, 'output'));
      return {};
    case 'SendTaskFailure':
      machines.sendTaskFailure(required(input, 'taskToken'), optional(input.error), optional(input.cause));
      return {};
    case 'SendTaskHeartbeat':
      machines.sendTaskHeartbeat(required(input, 'taskToken'));
      return {};
    case 'ListStateMachines':
      return {
        stateMachines: machines.all().map((machine) => ({
          stateMachineArn: machine.arn,
          name: machine.name,
          type: 'STANDARD',
          creationDate: 0,
        })),
      };
    default:
      throw Object.assign(new Error(`local mode does not implement ${action}`), { name: 'UnknownOperationException' });
  }
}

export async function startAwsEndpoint(
  functions: LocalFunctions,
  machines: LocalStateMachines,
  port: number,
  jwks: unknown,
): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    void (async () => {
      try {
        // Local mode's identity provider publishes its keys here (STRONGBOX_JWKS_URL points at it).
        if (request.method === 'GET' && request.url === '/.well-known/jwks.json') {
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
          return;
        }
        const lambda = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url ?? '');
        if (request.method === 'POST' && lambda) {
          await handleLambda(functions, request, response, decodeURIComponent(lambda[1] as string));
          return;
        }
        const target = String(request.headers['x-amz-target'] ?? '');
        if (request.method === 'POST' && target.startsWith('AWSStepFunctions.')) {
          const body = await readBody(request);
          const result = handleStepFunctions(
            machines,
            target.slice('AWSStepFunctions.'.length),
            body ? JSON.parse(body) : {},
          );
          sendJson(response, 200, result);
          return;
        }
        awsError(response, 404, 'UnknownOperationException', `no local handler for ${request.method} ${request.url}`);
      } catch (error) {
        const failure = error as Error;
        const type = failure instanceof SyntaxError ? 'SerializationException' : failure.name;
        awsError(response, CLIENT_ERRORS.has(type) ? 400 : 500, type, failure.message);
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
