#!/usr/bin/env node
// The `strongbox` command (package.json "bin"): runs scripts/cli/main.ts through tsx, from wherever it is linked.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { run } = await import(pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'main.ts')).href);
process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});
