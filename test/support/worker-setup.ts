import { motoEndpoint, resetMoto, workerId } from './testbed';

/**
 * Every test file of the projects that use the test bed starts from an empty emulator, so no file depends on
 * what ran before it in the same worker. Tests that need a clean emulator per test still call resetMoto.
 */
try {
  await resetMoto();
} catch (error) {
  throw new Error(
    `moto_server for worker ${workerId()} (${motoEndpoint()}) does not answer. The global setup ` +
      '(test/support/global-setup.ts) starts it; see the test bed messages at the start of the run, or run `npm run testbed -- status`.',
    { cause: error },
  );
}
