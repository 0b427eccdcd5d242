/**
 * Layer rules from DESIGN.md §3, enforced in `npm test` (npm run layers).
 * domain: pure · app: domain + ports · ports: domain · adapters: implement ports ·
 * handlers: wire app to adapters · infra: never imports runtime code.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'lambdas/domain imports nothing outside itself: no SDK, no node builtins, no npm packages.',
      severity: 'error',
      from: { path: '^lambdas/domain/' },
      to: { pathNot: '^lambdas/domain/' },
    },
    {
      name: 'ports-depend-on-domain-only',
      comment: 'Ports are interfaces over domain types (node builtins allowed for stream types).',
      severity: 'error',
      from: { path: '^lambdas/ports/' },
      to: { pathNot: ['^lambdas/(domain|ports)/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'app-depends-on-domain-and-ports',
      comment: 'Use cases see only the domain and the ports they need.',
      severity: 'error',
      from: { path: '^lambdas/app/' },
      to: { pathNot: ['^lambdas/(domain|ports|app)/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'adapters-do-not-reach-up',
      comment: 'Adapters implement ports; they never call use cases or handlers.',
      severity: 'error',
      from: { path: '^lambdas/adapters/' },
      to: { path: '^lambdas/(app|handlers)/' },
    },
    {
      name: 'shared-does-not-reach-up',
      comment: 'shared/ (powertools, middleware, env, schemas) is below handlers and adapters.',
      severity: 'error',
      from: { path: '^lambdas/shared/' },
      to: { path: '^lambdas/(app|handlers|adapters)/' },
    },
    {
      name: 'infra-never-imports-runtime-code',
      comment: 'infra names handler entry files by path; it never imports them.',
      severity: 'error',
      from: { path: '^infra/' },
      to: { path: '^lambdas/' },
    },
    {
      name: 'runtime-never-imports-infra-or-scripts',
      severity: 'error',
      from: { path: '^lambdas/' },
      to: { path: '^(infra|scripts|test)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(cdk\\.out|dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
