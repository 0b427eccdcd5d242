import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Tags } from 'aws-cdk-lib';
import { loadStageConfig, parseStageConfig, type StageConfig, type StageConfigInput } from './config';
import { REPO_ROOT } from './contract';
import { DataStack } from './stacks/data-stack';
import { ServiceStack } from './stacks/service-stack';

export interface BuildAppOptions {
  /** Stage whose config/<stage>.json is read. @default the `stage` context value (cdk.json sets "dev") */
  readonly stage?: string;
  /** Use this configuration instead of reading a file (tests). */
  readonly config?: StageConfigInput;
  /** @default the repository's config/ directory */
  readonly configDir?: string;
  /** @default the CDK default (cdk.out, or the CLI's choice) */
  readonly outdir?: string;
  /**
   * Extra context, on top of cdk.json's. In-process synths (tests, local mode) pass
   * `{ 'aws:cdk:bundling-stacks': [] }` to skip esbuild bundling.
   */
  readonly context?: Record<string, unknown>;
}

export interface StrongboxApp {
  readonly app: App;
  readonly config: StageConfig;
  readonly dataStack: DataStack;
  readonly serviceStack: ServiceStack;
}

/** Stack names are part of the contract: the data stack's export names start with its stack name. */
export function stackNames(stage: string): { data: string; service: string } {
  return { data: `Strongbox-${stage}-Data`, service: `Strongbox-${stage}-Service` };
}

/**
 * Creates the CDK app and both stacks. infra/app.ts (the `cdk` CLI entry), the infra tests and local mode all
 * build the app here, so they synthesize the same thing. It never reaches AWS: no lookups, no credentials.
 */
export function buildApp(options: BuildAppOptions = {}): StrongboxApp {
  // cdk.json's feature flags also apply in-process, so a test synth equals `cdk synth`.
  const app = new App({
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
    context: { ...cdkJsonContext(), ...options.context },
  });
  const config =
    options.config === undefined
      ? loadStageConfig(
          options.stage ?? String(app.node.tryGetContext('stage') ?? 'dev'),
          options.configDir ?? join(REPO_ROOT, 'config'),
        )
      : parseStageConfig(options.config);

  const env = config.env === undefined ? {} : { env: { ...config.env } };
  const names = stackNames(config.stage);
  const dataStack = new DataStack(app, names.data, {
    ...env,
    config,
    description: `Strongbox ${config.stage}: vault, catalog and data key (stateful, retained)`,
  });
  const serviceStack = new ServiceStack(app, names.service, {
    ...env,
    config,
    data: dataStack.exports,
    description: `Strongbox ${config.stage}: functions, tenant API, restore workflow, alarms`,
  });
  // The service imports the data stack's exports by name, which CloudFormation does not order by itself.
  serviceStack.addStackDependency(dataStack, 'imports the data stack exports');

  Tags.of(app).add('application', 'strongbox');
  Tags.of(app).add('strongbox:stage', config.stage);
  return { app, config, dataStack, serviceStack };
}

function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}
