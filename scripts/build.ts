import { readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER, EXTERNAL_MODULES, MAIN_FIELDS, NODE_TARGET } from '../infra/bundling';

/**
 * Bundles every handler entry (lambdas/handlers/<dir>/<name>.ts) into <outdir>/<dir>/<name>.mjs with a source map, the
 * layout the Dockerfile copies to the Lambda task root, so an image function's CMD is `<dir>/<name>.handler`.
 * Same esbuild settings as the zip functions (infra/bundling.ts).
 *
 *   node --import tsx scripts/build.ts [--outdir dist]
 */
export interface BuildOptions {
  /** Repository root. @default the current directory */
  readonly root?: string;
  /** @default <root>/dist */
  readonly outdir?: string;
}

export interface BuildResult {
  readonly outdir: string;
  /** Entry paths relative to lambdas/handlers, e.g. `jobs/run-dump.ts`. */
  readonly entries: readonly string[];
}

const HANDLERS_DIR = 'lambdas/handlers';

/**
 * Entries are the files one directory down (api/, jobs/, workflows/ — docs/architecture.md); modules shared by
 * the entries (e.g. lambdas/handlers/wiring.ts) sit at the top and are bundled into them, not on their own.
 */
export function listHandlerEntries(root: string): string[] {
  return readdirSync(join(root, HANDLERS_DIR), { recursive: true, encoding: 'utf8' })
    .map((file) => file.split('\\').join('/'))
    .filter((file) => /^[^/]+\/[^/]+\.ts$/.test(file) && !file.endsWith('.d.ts') && !file.endsWith('.test.ts'))
    .sort();
}

export async function buildHandlers(options: BuildOptions = {}): Promise<BuildResult> {
  const root = resolve(options.root ?? '.');
  const outdir = resolve(root, options.outdir ?? 'dist');
  const entries = listHandlerEntries(root);
  if (entries.length === 0) throw new Error(`no handler entries under ${join(root, HANDLERS_DIR)}`);

  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: entries.map((entry) => `${HANDLERS_DIR}/${entry}`),
    outbase: HANDLERS_DIR,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: NODE_TARGET,
    mainFields: [...MAIN_FIELDS],
    external: [...EXTERNAL_MODULES],
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  return { outdir, entries };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
  const started = Date.now();
  const result = await buildHandlers(values.outdir === undefined ? {} : { outdir: values.outdir });
  const where = relative(process.cwd(), result.outdir) || '.';
  console.log(`bundled ${result.entries.length} handlers into ${where} in ${Date.now() - started} ms`);
}

const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(resolve(invokedPath)).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
