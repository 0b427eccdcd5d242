/**
 * esbuild settings shared by the zip functions (NodejsFunction, infra/constructs/function.ts) and the container
 * image bundles (scripts/build.ts), so a handler is built the same way whichever way it ships.
 */
export const NODE_TARGET = 'node22';

/** ESM output cannot `require`; CommonJS dependencies (pg, mysql2, parts of the SDK) still do. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __strongboxCreateRequire } from 'node:module'; const require = __strongboxCreateRequire(import.meta.url);";

/**
 * The AWS SDK is bundled rather than taken from the Lambda runtime, so deployed code runs the SDK versions the
 * tests ran. pg-native is an optional native binding pg only loads when asked to.
 */
export const EXTERNAL_MODULES: readonly string[] = ['pg-native'];

/** Prefer ESM entry points so tree shaking works on the SDK. */
export const MAIN_FIELDS: readonly string[] = ['module', 'main'];
