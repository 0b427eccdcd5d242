import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { LOCAL_ACCOUNT, type TemplateResolver } from './template';

/**
 * The functions of the service stack, run in this process. The code behind a function is found through the
 * `strongbox:entry` metadata infra puts on every function, so local mode runs exactly what the template deploys.
 * moto cannot run Lambda without Docker (DESIGN.md §8): this is the stand-in.
 */
export interface LocalFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly entry: string;
  readonly handlerName: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly environment: Readonly<Record<string, string>>;
  /** Where a failed asynchronous invocation goes (EventInvokeConfig OnFailure), if anywhere. */
  onFailure?: string;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export class LocalFunctions {
  private readonly functions = new Map<string, LocalFunction>();
  private readonly modules = new Map<string, Promise<Handler>>();
  private readonly background = new Set<Promise<void>>();
  /** Failures of asynchronous invocations, for diagnostics and tests. */
  readonly asyncFailures: { function: string; error: Error }[] = [];

  constructor(private readonly root: string) {}

  /** Phase 1: names and ARNs of the functions that have an entry, so other resources can reference them. */
  static declare(resolver: TemplateResolver, root: string, region: string, stackName: string): LocalFunctions {
    const registry = new LocalFunctions(root);
    for (const [logicalId, resource] of resolver.resourcesOfType('AWS::Lambda::Function')) {
      const entry = resource.Metadata?.['strongbox:entry'];
      if (typeof entry !== 'string') continue; // CDK's own helper functions (custom resources) have no entry
      const props = resource.Properties ?? {};
      const name =
        typeof props.FunctionName === 'string' ? props.FunctionName : `${stackName}-${logicalId}`.slice(0, 64);
      const arn = `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${name}`;
      resolver.set(logicalId, { ref: name, attributes: { Arn: arn } });
      registry.add({
        logicalId,
        name,
        arn,
        entry,
        handlerName: String(resource.Metadata?.['strongbox:handler'] ?? 'handler'),
        timeoutSeconds: Number(props.Timeout ?? 3),
        memoryMb: Number(props.MemorySize ?? 128),
        environment: {},
      });
    }
    return registry;
  }

  /** Phase 2: environments and on-failure destinations, once every referenced resource has a name. */
  resolveEnvironments(resolver: TemplateResolver): void {
    for (const fn of this.all()) {
      const props = resolver.template.Resources[fn.logicalId]?.Properties ?? {};
      const variables = (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      const environment = resolver.resolve(variables) as Record<string, unknown>;
      this.functions.set(fn.name, {
        ...fn,
        environment: Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value)])),
      });
    }
    for (const [, resource] of resolver.resourcesOfType('AWS::Lambda::EventInvokeConfig')) {
      const props = resolver.resolve(resource.Properties ?? {}) as {
        FunctionName: string;
        DestinationConfig?: { OnFailure?: { Destination?: string } };
      };
      const fn = this.find(props.FunctionName);
      const destination = props.DestinationConfig?.OnFailure?.Destination;
      if (fn && destination) fn.onFailure = destination;
    }
  }

  add(fn: LocalFunction): void {
    this.functions.set(fn.name, fn);
  }

  all(): LocalFunction[] {
    return [...this.functions.values()];
  }

  /** By name, ARN or partial ARN (with or without qualifier). */
  find(nameOrArn: string): LocalFunction | undefined {
    const name = nameOrArn.startsWith('arn:') ? (nameOrArn.split(':')[6] ?? '') : nameOrArn;
    return this.functions.get(name);
  }

  /**
   * The environment all functions share in this process. Handlers parse it at cold start; a variable two functions
   * set differently cannot be honoured in one process, so that is an error (infra keeps names consistent).
   */
  sharedEnvironment(): Record<string, string> {
    const merged: Record<string, string> = {};
    for (const fn of this.all()) {
      for (const [key, value] of Object.entries(fn.environment)) {
        if (key in merged && merged[key] !== value) {
          throw new Error(`functions disagree on ${key} (${merged[key]} vs ${value} in ${fn.logicalId})`);
        }
        merged[key] = value;
      }
    }
    return merged;
  }

  async invoke(nameOrArn: string, event: unknown): Promise<unknown> {
    const fn = this.require(nameOrArn);
    const handler = await this.load(fn);
    return handler(structuredClone(event), this.context(fn));
  }

  /** InvocationType Event: runs in the background; a failure goes to the on-failure destination like Lambda's. */
  invokeAsync(nameOrArn: string, event: unknown): void {
    const fn = this.require(nameOrArn);
    const requestId = randomUUID();
    const run = this.invoke(fn.name, event)
      .then(() => undefined)
      .catch(async (error: Error) => {
        this.asyncFailures.push({ function: fn.name, error });
        if (!fn.onFailure) return;
        await this.invoke(fn.onFailure, {
          version: '1.0',
          timestamp: new Date().toISOString(),
          requestContext: {
            requestId,
            functionArn: `${fn.arn}:$LATEST`,
            condition: 'RetriesExhausted',
            approximateInvokeCount: 1,
          },
          requestPayload: event,
          responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
          responsePayload: { errorType: error.name, errorMessage: error.message, trace: [] },
        }).catch((destinationError: Error) =>
          this.asyncFailures.push({ function: fn.onFailure ?? '', error: destinationError }),
        );
      });
    const tracked = run.finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  /** Resolves when no asynchronous invocation is running (tests wait on this instead of sleeping). */
  /** True while an invocation or execution started here has not finished. */
  get busy(): boolean {
    return this.background.size > 0;
  }

  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private require(nameOrArn: string): LocalFunction {
    const fn = this.find(nameOrArn);
    if (!fn) throw Object.assign(new Error(`Function not found: ${nameOrArn}`), { name: 'ResourceNotFoundException' });
    return fn;
  }

  private load(fn: LocalFunction): Promise<Handler> {
    const key = `${fn.entry}#${fn.handlerName}`;
    let loading = this.modules.get(key);
    if (!loading) {
      loading = import(pathToFileURL(resolve(this.root, fn.entry)).href).then((module: Record<string, unknown>) => {
        const handler = module[fn.handlerName];
        if (typeof handler !== 'function') throw new Error(`${fn.entry} does not export ${fn.handlerName}`);
        return handler as Handler;
      });
      this.modules.set(key, loading);
    }
    return loading;
  }

  private context(fn: LocalFunction): Context {
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    const requestId = randomUUID();
    return {
      callbackWaitsForEmptyEventLoop: false,
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: fn.arn,
      memoryLimitInMB: String(fn.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: `local/${requestId}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }
}
