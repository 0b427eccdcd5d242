import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseState, type TestbedState } from './ownership';
import { isAlive, sleep, TestbedError } from './proc';

/** .strongbox/testbed at the repository root (gitignored): state, logs, private data directories. */
export function defaultStateDir(): string {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return process.env.STRONGBOX_TESTBED_DIR ?? join(repoRoot, '.strongbox', 'testbed');
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function readState(stateDir: string): TestbedState {
  try {
    return parseState(readFileSync(join(stateDir, 'state.json'), 'utf8'));
  } catch {
    return parseState(undefined);
  }
}

export function writeState(stateDir: string, state: TestbedState): void {
  const file = join(stateDir, 'state.json');
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temp, file);
}

const STALE_LOCK_MS = 15 * 60_000;

/**
 * Runs `work` holding .strongbox/testbed/lock, so that concurrent starters (two test runs, `npm start` and a
 * test run) never both start a server: the second waits, then finds the server running and uses it.
 * A lock whose holder died, or that is older than any start could take, is taken over.
 */
export async function withLock<T>(stateDir: string, work: () => Promise<T>, timeoutMs = 10 * 60_000): Promise<T> {
  ensureDir(stateDir);
  const lockFile = join(stateDir, 'lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockIsStale(lockFile)) {
        rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new TestbedError(`another test bed start holds ${lockFile}; gave up waiting`);
      await sleep(200);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

function lockIsStale(lockFile: string): boolean {
  try {
    const pid = Number(readFileSync(lockFile, 'utf8').trim());
    const age = Date.now() - statSync(lockFile).mtimeMs;
    // A lock just created may not have its pid written yet: give its holder a moment.
    if (!Number.isInteger(pid) || pid <= 0) return age > 5_000;
    return !isAlive(pid) || age > STALE_LOCK_MS;
  } catch {
    return false;
  }
}
