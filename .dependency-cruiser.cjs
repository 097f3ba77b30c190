// The process boundaries, checked in CI (npm run check:boundaries). Globals are the other half:
// tsconfig.pure.json type-checks pure folders without Node or DOM declarations.
const PURE = '^(native/common/|native/[^/]+/common/|electron/contract/|electron/flow/|electron/common/)';
const ELECTRON_SHELL = '^electron/(main|preload)/';

module.exports = {
  forbidden: [
    {
      name: 'electron-only-in-shell',
      comment: 'Only electron/main and electron/preload may import electron; services run under the dev host too.',
      severity: 'error',
      from: { pathNot: ELECTRON_SHELL },
      to: { path: '^electron$|node_modules/electron/' },
    },
    {
      name: 'pure-imports-no-node',
      comment: 'Pure logic (codecs, parsers, state machines, the contract) imports no Node builtins.',
      severity: 'error',
      from: { path: PURE },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'pure-imports-no-packages',
      comment: 'Pure logic imports no packages, except zod for the contract schemas.',
      severity: 'error',
      from: { path: PURE },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], pathNot: 'node_modules/zod/' },
    },
    {
      name: 'pure-imports-only-pure',
      comment: 'Pure logic may only import other pure logic.',
      severity: 'error',
      from: { path: PURE },
      to: { pathNot: `${PURE}|node_modules/zod/` },
    },
    {
      name: 'renderer-sees-only-the-contract',
      comment: 'The renderer imports its own files, svelte, and the contract; nothing of main.',
      severity: 'error',
      from: { path: '^renderer/src/' },
      to: { pathNot: '^renderer/src/|^electron/contract/|node_modules/svelte/|node_modules/zod/' },
    },
    {
      name: 'bridge-sees-only-the-contract',
      comment: 'The dev host page bridge plays the preload: it may only know the contract.',
      severity: 'error',
      from: { path: '^electron/devhost/bridge/' },
      to: { pathNot: '^electron/contract/|node_modules/zod/' },
    },
    {
      name: 'drivers-know-nothing-of-the-app',
      comment: 'native/ drivers are used by the app, never the other way round.',
      severity: 'error',
      from: { path: '^native/' },
      to: { path: '^(electron|renderer)/' },
    },
    {
      name: 'services-not-into-hosts',
      comment: 'Services are composed by a host; they never reach into a host.',
      severity: 'error',
      from: { path: '^electron/(services|ledger|flow|contract|common)/' },
      to: { path: '^electron/(main|preload|devhost|cli)/' },
    },
    {
      name: 'no-tests-in-product',
      severity: 'error',
      from: { path: '^(electron|native|renderer)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.d.ts', '.mts', '.js', '.mjs', '.cjs', '.svelte', '.json'] },
    extraExtensionsToScan: ['.svelte'],
  },
};
