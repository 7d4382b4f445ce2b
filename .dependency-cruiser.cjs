// The one-way layers of lib/ (docs/architecture.md), checked in `npm test` (spec/layers.spec.ts):
//   common ← internals ← websocket ← flow ← subject ← operators | session | queue | observe | shared ← node | testing | angular ← cli
// (scheduling sits beside common: timers for the subject's and operators' capabilities.)
// No cycles at all, type-only imports included (tsPreCompilationDeps).
const layers = ['common', 'scheduling', 'internals', 'websocket', 'flow', 'subject', 'operators', 'session', 'queue', 'observe', 'shared', 'node', 'testing', 'angular', 'cli'];
// What each folder may import from lib/, besides itself.
const allowed = {
  common: [],
  scheduling: ['common'],
  internals: ['common'],
  websocket: ['common', 'internals'],
  flow: ['common', 'internals', 'websocket'],
  subject: ['common', 'scheduling', 'internals', 'websocket', 'flow'],
  operators: ['common', 'scheduling', 'internals', 'websocket', 'flow', 'subject'],
  session: ['common', 'scheduling', 'internals', 'websocket', 'flow', 'subject'],
  queue: ['common', 'scheduling', 'internals', 'websocket', 'flow', 'subject'],
  // rxws/observe: logLifecycle(), beside queue
  observe: ['common', 'scheduling', 'internals', 'websocket', 'flow', 'subject'],
  // rxws/shared (browsers): one connection for all tabs, on the subject layer
  shared: ['common', 'scheduling', 'internals', 'websocket', 'flow', 'subject'],
  node: ['common', 'scheduling', 'internals', 'websocket', 'flow', 'subject', 'operators', 'session'],
  testing: ['common', 'scheduling', 'internals', 'websocket', 'flow', 'subject', 'operators', 'session'],
  angular: ['common', 'scheduling', 'internals', 'websocket', 'flow', 'subject', 'operators', 'session'],
  // the command line (bin/rxws.mjs): on top of everything, nothing imports it
  cli: ['common', 'scheduling', 'internals', 'websocket', 'flow', 'subject', 'operators', 'session', 'node', 'testing'],
};

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Imports go one way only, type-only imports included.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    ...layers.map((layer) => ({
      name: `layer-${layer}`,
      comment: `lib/${layer}/ may import only from lib/{${allowed[layer].join(',')}} (docs/architecture.md).`,
      severity: 'error',
      from: { path: `^lib/${layer}/` },
      to: { path: '^lib/', pathNot: [`^lib/${layer}/`, ...allowed[layer].map((l) => `^lib/${l}/`)] },
    })),
    {
      name: 'browser-entry-no-node',
      comment: "The main entry, rxws/angular and rxws/shared (browser entries) never reach rxws/node or rxws/testing.",
      severity: 'error',
      from: { path: '^lib/(index|angular/.*|shared/.*)\\.ts$' },
      to: { path: '^lib/(node|testing)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: { path: '^lib/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // @angular/core resolves through its "exports" only (no "main").
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    exclude: { path: '\\.browser\\.ts$' },
  },
};
