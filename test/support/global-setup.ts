import type { TestProject } from 'vitest/node';
import { startTestbed } from '../../scripts/testbed/index';
import { DEFAULT_PORTS, motoPortsFor, parsePort, runNeedsTestbed } from '../../scripts/testbed/plan';
import type { TestbedInfo } from './testbed';

/**
 * Starts the test bed (scripts/testbed) for the run: whatever of moto_server, PostgreSQL and MariaDB is not
 * already running, and stops at the end only what it started. One moto_server per worker: vitest hands out
 * VITEST_POOL_ID 1..maxWorkers (per group of projects, so the largest maxWorkers of any project bounds it).
 * A run of only unit/infra files starts nothing.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const vitest = project.vitest;
  if (
    !vitest.config.watch &&
    !runNeedsTestbed(
      vitest.projects.map((p) => p.name),
      selectedFileProjects(project),
    )
  ) {
    return undefined;
  }
  const workers = Math.max(vitest.config.maxWorkers, ...vitest.projects.map((p) => p.config.maxWorkers));
  const base = parsePort(process.env.STRONGBOX_MOTO_PORT_BASE, 'STRONGBOX_MOTO_PORT_BASE', DEFAULT_PORTS.motoBase);
  const testbed = await startTestbed({
    motoPorts: motoPortsFor(base, workers),
    // Each run resets its emulators, so concurrent runs (two terminals, two checkouts) get their own.
    exclusiveMoto: true,
    // Found-running servers are the common case; only say what changed.
    log: (line) => {
      if (!line.startsWith('using ')) console.log(`testbed: ${line}`);
    },
  });
  // The block may have moved past ports that another run holds; worker n still uses motoPortBase + n.
  const info: TestbedInfo = { ...testbed.info, motoPortBase: (testbed.info.moto[0]?.port ?? base + 1) - 1 };
  project.provide('testbed', info);
  return () => testbed.stop();
}

/**
 * For each file this run selected, the projects it belongs to. vitest records the selected paths before it runs
 * global setups; the state API is experimental, so without it we fall back to the selected projects alone.
 */
function selectedFileProjects(project: TestProject): string[][] | undefined {
  const paths = (project.vitest.state as { getPaths?: () => string[] } | undefined)?.getPaths?.();
  if (paths === undefined || paths.length === 0) return undefined;
  return paths.map((path) => project.vitest.projects.filter((p) => p.matchesTestGlob(path)).map((p) => p.name));
}
