import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ENTRIES, REPO_ROOT } from '../../infra/contract';
import { buildHandlers, listHandlerEntries } from '../../scripts/build';
import { functionsByEntry, synth } from './support';

const workDir = mkdtempSync(join(tmpdir(), 'strongbox-build-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** A throwaway repository with two handler entries, a shared module and the real node_modules. */
function fixtureRepository(): string {
  const root = mkdtempSync(join(workDir, 'repo-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  write('lambdas/handlers/shared.ts', "export const greeting = (name: string): string => 'hello ' + name;\n");
  write(
    'lambdas/handlers/jobs/run-dump.ts',
    [
      // pg is CommonJS and requires node built-ins: the createRequire banner must make that work in ESM.
      "import pg from 'pg';",
      "import { greeting } from '../shared';",
      'export const handler = async (event: { name: string }) => ({ text: greeting(event.name), pg: typeof pg.Client });',
    ].join('\n'),
  );
  write('lambdas/handlers/api/health.ts', "export const handler = async () => ({ statusCode: 200, body: 'ok' });\n");
  return root;
}

describe('scripts/build.ts', () => {
  it('bundles each entry to <dir>/<name>.mjs with a source map, and no file for shared modules', async () => {
    // Prepare
    const root = fixtureRepository();

    // Act
    const result = await buildHandlers({ root, outdir: join(root, 'dist') });

    // Assess
    expect(result.entries).toEqual(['api/health.ts', 'jobs/run-dump.ts']);
    for (const file of ['api/health.mjs', 'api/health.mjs.map', 'jobs/run-dump.mjs', 'jobs/run-dump.mjs.map']) {
      expect(existsSync(join(root, 'dist', file)), file).toBe(true);
    }
    expect(existsSync(join(root, 'dist', 'shared.mjs'))).toBe(false);
  });

  it('produces ESM bundles that load CommonJS dependencies and run on this Node', async () => {
    // Prepare
    const root = fixtureRepository();
    await buildHandlers({ root, outdir: join(root, 'dist') });

    // Act
    const bundle = (await import(pathToFileURL(join(root, 'dist', 'jobs', 'run-dump.mjs')).href)) as {
      handler: (event: { name: string }) => Promise<unknown>;
    };
    const output = await bundle.handler({ name: 'vault' });

    // Assess
    expect(output).toEqual({ text: 'hello vault', pg: 'function' });
    expect(readFileSync(join(root, 'dist', 'jobs', 'run-dump.mjs'), 'utf8')).toMatch(/^import \{ createRequire/);
  });

  it('finds exactly the entries of the contract table in the repository', () => {
    // Prepare
    const expected = Object.values(ENTRIES).sort();

    // Act
    const entries = listHandlerEntries(REPO_ROOT);

    // Assess
    expect(entries).toEqual(expected);
  });

  it('builds a bundle for the CMD of every image function', () => {
    // Prepare
    const { service } = synth();
    const entries = new Set(listHandlerEntries(REPO_ROOT));

    // Act
    const commands = [...functionsByEntry(service).values()]
      .map(({ resource }) => (resource.Properties.ImageConfig as { Command?: string[] } | undefined)?.Command?.[0])
      .filter((command): command is string => command !== undefined);

    // Assess
    expect(commands).toHaveLength(3);
    for (const command of commands) expect(entries, command).toContain(command.replace(/\.handler$/, '.ts'));
  });

  it('bundles the repository handlers the way the Dockerfile build stage does', async () => {
    // Prepare
    const outdir = join(workDir, 'dist');

    // Act
    const result = await buildHandlers({ root: REPO_ROOT, outdir });

    // Assess
    for (const entry of result.entries) {
      const bundle = readFileSync(join(outdir, entry.replace(/\.ts$/, '.mjs')), 'utf8');
      expect(bundle, entry).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');

  it('runs on the Lambda Node.js 22 base image with the PostgreSQL and MariaDB client tools', () => {
    // Prepare
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

    // Act
    const installs = /dnf install -y ([^\\\n&]+)/.exec(finalStage)?.[1]?.trim().split(/\s+/);

    // Assess
    expect(finalStage).toMatch(/^\nFROM public\.ecr\.aws\/lambda\/nodejs:22\n/);
    expect(installs).toEqual(
      expect.arrayContaining([expect.stringMatching(/^postgresql1[7-9]$/), expect.stringMatching(/^mariadb1\d+$/)]),
    );
    expect(finalStage).toContain(`COPY --from=build /build/dist/ $\{LAMBDA_TASK_ROOT}/`);
  });

  it('builds with scripts/build.ts into the dist/ the final stage copies', () => {
    // Prepare
    const buildStage = dockerfile.slice(0, dockerfile.lastIndexOf('\nFROM '));

    // Act & Assess
    expect(buildStage).toContain('RUN npm ci');
    expect(buildStage).toContain('RUN node --import tsx scripts/build.ts --outdir dist');
  });

  it('gets every file its build stage copies through .dockerignore into the staged build context', () => {
    // Prepare
    const { serviceStack } = synth();
    const assembly = serviceStack.node.root as unknown as { outdir: string };
    const stagedContexts = readFileSync(join(assembly.outdir, `${serviceStack.artifactId}.assets.json`), 'utf8');
    const contextDir = (
      JSON.parse(stagedContexts) as { dockerImages: Record<string, { source: { directory: string } }> }
    ).dockerImages;
    const [image] = Object.values(contextDir);
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap(
      (match) => match[1]?.split(' ') ?? [],
    );

    // Act
    const missing = sources.filter(
      (source) => !existsSync(join(assembly.outdir, image?.source.directory ?? '', source)),
    );

    // Assess
    expect(sources).toContain('scripts/build.ts');
    expect(missing).toEqual([]);
    expect(existsSync(join(assembly.outdir, image?.source.directory ?? '', 'test'))).toBe(false);
    expect(existsSync(join(assembly.outdir, image?.source.directory ?? '', 'node_modules'))).toBe(false);
  });
});
