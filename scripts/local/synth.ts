import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildApp, stackNames } from '../../infra/app-factory';
import type { CfnTemplate } from './template';

export interface SynthesizedStacks {
  readonly stage: string;
  readonly data: { readonly name: string; readonly template: CfnTemplate };
  readonly service: { readonly name: string; readonly template: CfnTemplate };
}

/** Synthesizes the CDK app in-process for a stage, without bundling (local mode runs the TypeScript entries). */
export function synthesize(stage = 'local'): SynthesizedStacks {
  const outdir = mkdtempSync(join(tmpdir(), 'strongbox-synth-'));
  try {
    const { app, config } = buildApp({ stage, outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const assembly = app.synth();
    const names = stackNames(config.stage);
    return {
      stage: config.stage,
      data: { name: names.data, template: assembly.getStackByName(names.data).template as CfnTemplate },
      service: { name: names.service, template: assembly.getStackByName(names.service).template as CfnTemplate },
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

/** Everything the templates depend on: the infra code, the stage configs, cdk.json and the installed CDK. */
function inputsHash(root: string, stage: string): string {
  const hash = createHash('sha256').update(stage);
  const cdkVersion = JSON.parse(
    readFileSync(join(root, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8'),
  ).version;
  hash.update(String(cdkVersion));
  for (const file of [
    ...filesUnder(join(root, 'infra')),
    ...filesUnder(join(root, 'config')),
    join(root, 'cdk.json'),
  ]) {
    hash.update(relative(root, file)).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Synthesis takes seconds; its result only changes with infra/, config/ or cdk.json. Cached under
 * .strongbox/synth/, so tests synthesize once per change and `npm start` restarts quickly.
 */
export function synthesizeCached(root: string, stage = 'local'): SynthesizedStacks {
  const dir = join(root, '.strongbox', 'synth');
  const file = join(dir, `${stage}-${inputsHash(root, stage)}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as SynthesizedStacks;
  const stacks = synthesize(stage);
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(stacks));
  renameSync(partial, file); // atomic: concurrent workers never read half a file
  return stacks;
}
