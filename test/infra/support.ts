import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildApp, type StrongboxApp } from '../../infra/app-factory';
import type { StageConfigInput } from '../../infra/config';
import { REPO_ROOT } from '../../infra/contract';

/** In-process synths of the CDK app for the infra tests: bundling skipped, nothing leaves the machine. */

const workDir = mkdtempSync(join(tmpdir(), 'strongbox-infra-'));
process.once('exit', () => rmSync(workDir, { recursive: true, force: true }));

/** The committed config/dev.json, as a config object the tests can vary. */
export function devConfig(overrides: Partial<StageConfigInput> = {}): StageConfigInput {
  const file = JSON.parse(readFileSync(join(REPO_ROOT, 'config', 'dev.json'), 'utf8')) as Omit<
    StageConfigInput,
    'stage'
  >;
  return { ...file, stage: 'dev', ...overrides };
}

export interface SynthesizedApp extends StrongboxApp {
  readonly data: Template;
  readonly service: Template;
}

const synthesized = new Map<string, SynthesizedApp>();

/** Synthesizes the app once per distinct config (a synth takes seconds; assertions do not change it). */
export function synth(config: StageConfigInput = devConfig()): SynthesizedApp {
  const key = JSON.stringify(config);
  const cached = synthesized.get(key);
  if (cached !== undefined) return cached;
  const built = buildApp({
    config,
    outdir: mkdtempSync(join(workDir, 'cdk.out-')),
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  const result = {
    ...built,
    data: Template.fromStack(built.dataStack),
    service: Template.fromStack(built.serviceStack),
  };
  synthesized.set(key, result);
  return result;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown> & { Environment?: { Variables?: Record<string, unknown> } };
  readonly Metadata?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export function resourcesOfType(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

/** Lambda functions keyed by their `strongbox:entry` metadata (the path local mode resolves). */
export function functionsByEntry(template: Template): Map<string, { logicalId: string; resource: CfnResource }> {
  const functions = new Map<string, { logicalId: string; resource: CfnResource }>();
  for (const [logicalId, resource] of Object.entries(resourcesOfType(template, 'AWS::Lambda::Function'))) {
    const entry = resource.Metadata?.['strongbox:entry'];
    if (typeof entry === 'string') functions.set(entry, { logicalId, resource });
  }
  return functions;
}

export function functionByEntry(template: Template, entry: string): { logicalId: string; resource: CfnResource } {
  const found = functionsByEntry(template).get(entry);
  if (found === undefined) throw new Error(`no function with strongbox:entry ${entry}`);
  return found;
}

/**
 * The restore state machine's ASL with every intrinsic replaced by a readable placeholder: a function ARN
 * (`Fn::GetAtt [X, Arn]`) becomes `arn:placeholder:X`.
 */
/** The definition of the one state machine whose logical id starts with the prefix (the restore machine by default). */
export function stateMachineDefinition(template: Template, logicalIdPrefix = 'Restore'): AslDefinition {
  const machines = Object.entries(resourcesOfType(template, 'AWS::StepFunctions::StateMachine'))
    .filter(([logicalId]) => logicalId.startsWith(logicalIdPrefix))
    .map(([, machine]) => machine);
  if (machines.length !== 1)
    throw new Error(`expected one ${logicalIdPrefix}… state machine, found ${machines.length}`);
  const definition = machines[0]?.Properties.DefinitionString;
  if (typeof definition === 'string') return JSON.parse(definition) as AslDefinition;
  const [delimiter, parts] = (definition as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return JSON.parse(parts.map(placeholder).join(delimiter)) as AslDefinition;
}

function placeholder(part: unknown): string {
  if (typeof part === 'string') return part;
  const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (getAtt !== undefined) return `arn:placeholder:${getAtt[0]}`;
  const ref = (part as { Ref?: string }).Ref;
  if (ref !== undefined) return `ref:${ref}`;
  throw new Error(`unexpected intrinsic in the definition: ${JSON.stringify(part)}`);
}

export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Resource?: string;
  readonly ResultPath?: string | null;
  readonly TimeoutSeconds?: number;
  readonly Parameters?: unknown;
  readonly Catch?: ReadonlyArray<{ ErrorEquals: string[]; ResultPath?: string; Next: string }>;
  readonly Retry?: ReadonlyArray<{ ErrorEquals: string[] }>;
  readonly Choices?: ReadonlyArray<Record<string, unknown> & { Next: string }>;
  readonly Default?: string;
  readonly ErrorPath?: string;
  readonly CausePath?: string;
  readonly QueryLanguage?: string;
}

export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly QueryLanguage?: string;
}

/** A template as JSON with what changes on every code edit (asset hashes, absolute paths) normalized. */
export function normalizedTemplate(template: Template): unknown {
  const json = JSON.stringify(template.toJSON())
    .replaceAll(REPO_ROOT, '<repo>')
    .replace(/[0-9a-f]{64}/g, '<asset-hash>');
  return JSON.parse(json);
}

export interface NagFinding {
  readonly rule: string;
  readonly severity: string;
  readonly path: string;
}

/** AwsSolutions findings left after acknowledgments (what would fail `cdk synth`). */
export function nagFindings(app: IConstruct): NagFinding[] {
  return findingsOf(new AwsSolutionsChecks(), app);
}

/** AwsSolutions findings as if nothing were acknowledged. */
export function rawNagFindings(app: IConstruct): NagFinding[] {
  const pack = new AwsSolutionsChecks();
  // NagPack has no public switch for this; the private check is replaced on this one instance only.
  Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
  return findingsOf(pack, app);
}

function findingsOf(pack: AwsSolutionsChecks, app: IConstruct): NagFinding[] {
  return pack.validateScope(app).violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      rule: violation.ruleName,
      severity: violation.severity ?? 'unknown',
      path: resource.constructPath ?? '',
    })),
  );
}

export interface Acknowledgment {
  readonly rule: string;
  readonly reason: string;
  readonly path: string;
}

/** Every `Validations.of(x).acknowledge()` in the app, with the construct it was made on. */
export function acknowledgments(app: IConstruct): Acknowledgment[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          rule: id.replace(/^annotation::/i, ''),
          reason,
          path: construct.node.path,
        })),
      ),
  );
}
