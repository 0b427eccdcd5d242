import { join } from 'node:path';
import { type AwsClients, createAwsClients } from '../../lambdas/adapters/aws/clients';
import { readApi } from './api-routes';
import { LocalApi, startApiServer } from './api-server';
import { startAwsEndpoint } from './aws-endpoint';
import { provisionDataStack } from './data-stack';
import { provisionEventBuses } from './event-buses';
import { applyRedrivePolicies, provisionEventRules } from './event-rules';
import { LocalFunctions } from './functions';
import { LOCAL_PRINCIPALS, LocalIssuer } from './issuer';
import { LocalQueuePump } from './queue-pump';
import { provisionSchedules } from './schedules';
import { LocalStateMachines } from './state-machines';
import { type SynthesizedStacks, synthesizeCached } from './synth';
import { TemplateResolver } from './template';
import { LocalTicker } from './ticker';

/**
 * The whole service on one machine (DESIGN.md §6): the CDK app synthesized in-process, its data stack provisioned on
 * moto, its functions, API and state machines served from the same template, with the real handlers.
 */
export interface LocalServiceOptions {
  readonly root: string;
  readonly motoEndpoint: string;
  /** 0 picks a free port. */
  readonly apiPort?: number;
  readonly awsPort?: number;
  readonly region?: string;
  /** Where the local issuer keeps its key. */
  readonly stateDir?: string;
  /** Skip Wait states and retry intervals (tests). */
  readonly fastWaits?: boolean;
  readonly logLevel?: string;
  /** Stacks already synthesized (tests synthesize once per run). */
  readonly stacks?: SynthesizedStacks;
}

export interface LocalService {
  readonly apiUrl: string;
  readonly awsUrl: string;
  readonly motoEndpoint: string;
  readonly region: string;
  readonly tokens: Readonly<Record<string, string>>;
  readonly restoreStateMachineArn: string;
  readonly snapshotStateMachineArn: string;
  readonly pruneStateMachineArn: string;
  /** Names of the schedules created on the emulator (the daily prune); they fire only from a local ticker. */
  readonly schedules: readonly string[];
  readonly functions: LocalFunctions;
  readonly machines: LocalStateMachines;
  readonly issuer: LocalIssuer;
  readonly clients: AwsClients;
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Fires the schedules on moto's Scheduler (which never fires them): `npm start` ticks it on the system clock; tests
   * drive it with `tick(time)` / `fireNow(group, name, time)`.
   */
  readonly ticker: LocalTicker;
  /** The dispatcher every tenant policy schedule targets. */
  readonly dispatchFunctionArn: string;
  /** The missed-backup sweep (the ticker fires it every 15 minutes; invoke it to sweep now). */
  readonly rpoSweepFunctionArn: string;
  /** The event bus functions publish Strongbox's events to (created on the emulator). */
  readonly eventBusName: string;
  /**
   * Lambda's SQS event sources (the webhook deliverer): `npm start` polls them every second; tests call `drain()` to
   * deliver what the bus's rules queued.
   */
  readonly queues: LocalQueuePump;
  /** Resolves when no background invocation or execution is running. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalService(options: LocalServiceOptions): Promise<LocalService> {
  const region = options.region ?? 'us-east-1';
  const stacks = options.stacks ?? synthesizeCached(options.root, 'local');
  const clients = createAwsClients({
    region,
    endpoint: options.motoEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

  const data = (await provisionDataStack(clients, stacks, region)).resolver;

  const service = new TemplateResolver(stacks.service.template, {
    region,
    stackName: stacks.service.name,
    exports: data.exports(),
  });
  const functions = LocalFunctions.declare(service, options.root, region, stacks.service.name);
  const machines = new LocalStateMachines(functions, { region, fastWaits: options.fastWaits ?? false });
  machines.declare(service, stacks.service.name);
  const schedules = await provisionSchedules({ endpoint: options.motoEndpoint, region }, service, stacks.service.name);
  const eventBuses = await provisionEventBuses({ endpoint: options.motoEndpoint, region }, service);
  await applyRedrivePolicies({ endpoint: options.motoEndpoint, region }, service);
  await provisionEventRules({ endpoint: options.motoEndpoint, region }, service, stacks.service.name);
  const api = readApi(service);
  functions.resolveEnvironments(service);
  machines.resolveDefinitions(service);
  const shared = functions.sharedEnvironment();

  const issuer = await LocalIssuer.load(
    join(options.stateDir ?? join(options.root, '.strongbox'), 'local-issuer.json'),
    shared.STRONGBOX_JWT_ISSUER ?? 'https://auth.strongbox.local',
    shared.STRONGBOX_JWT_AUDIENCE ?? 'strongbox-local',
  );
  const aws = await startAwsEndpoint(functions, machines, options.awsPort ?? 0, issuer.jwks());

  // One process runs every function, so they share one environment: the template's, plus local endpoints.
  const previous = { ...process.env };
  const environment: Record<string, string> = {
    ...shared,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL: options.motoEndpoint,
    AWS_ENDPOINT_URL_LAMBDA: aws.url,
    AWS_ENDPOINT_URL_SFN: aws.url,
    // The policies API creates tenants' schedules on the emulator's Scheduler, whatever the shell points it at.
    AWS_ENDPOINT_URL_SCHEDULER: options.motoEndpoint,
    STRONGBOX_ALLOW_LOOPBACK_SOURCES: 'true',
    STRONGBOX_JWKS_URL: `${aws.url}/.well-known/jwks.json`,
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'INFO',
  };
  Object.assign(process.env, environment);

  const apiServer = await startApiServer(new LocalApi(api, functions, region), options.apiPort ?? 0);
  const tokens: Record<string, string> = {};
  for (const [name, principal] of Object.entries(LOCAL_PRINCIPALS)) tokens[name] = await issuer.issue(principal);

  // Scheduler invokes a Lambda target, or starts a state machine (the daily prune); moto does neither.
  const ticker = new LocalTicker(
    clients.scheduler,
    {
      invoke: async (arn, input) =>
        arn.includes(':states:') ? machines.start(arn, { input: JSON.stringify(input) }) : functions.invoke(arn, input),
    },
    new Date(),
  );
  const queues = LocalQueuePump.fromTemplate(service, functions, clients.sqs);
  const dispatch = functions.all().find((fn) => fn.entry.endsWith('schedules/dispatch.ts'));
  const sweep = functions.all().find((fn) => fn.entry.endsWith('schedules/rpo-sweep.ts'));
  if (!dispatch || !sweep) throw new Error('the template has no dispatch or missed-backup sweep function');

  const idle = async () => {
    // A finished job can start an execution and vice versa: settle until both are quiet.
    while (functions.busy || machines.busy) {
      await functions.idle();
      await machines.idle();
    }
  };
  return {
    apiUrl: apiServer.url,
    awsUrl: aws.url,
    motoEndpoint: options.motoEndpoint,
    region,
    tokens,
    restoreStateMachineArn: machines.byLogicalIdPrefix('Restore').arn,
    snapshotStateMachineArn: machines.byLogicalIdPrefix('Snapshots').arn,
    pruneStateMachineArn: machines.byLogicalIdPrefix('RetentionPrune').arn,
    schedules,
    ticker,
    dispatchFunctionArn: dispatch.arn,
    rpoSweepFunctionArn: sweep.arn,
    eventBusName: eventBuses[0] ?? '',
    queues,
    functions,
    machines,
    issuer,
    clients,
    environment,
    idle,
    async stop() {
      await new Promise((resolve) => apiServer.server.close(resolve));
      await queues.stop();
      // An execution waiting for a task token would wait (and hold its timers) for as long as its TimeoutSeconds.
      machines.stopAll();
      await idle();
      await new Promise((resolve) => aws.server.close(resolve));
      for (const key of Object.keys(environment)) {
        if (previous[key] === undefined) delete process.env[key];
        else process.env[key] = previous[key];
      }
    },
  };
}
