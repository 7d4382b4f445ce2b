// The published shape: the package as `npm pack` makes it (from what `npm run build` left in dist/),
// checked by @arethetypeswrong/cli and publint, then installed into throwaway TypeScript projects
// of every kind a user has (CommonJS and ESM under node16 and nodenext, bundler, a browser bundler,
// node10) and loaded by Node with `require` and `import`, for every entry point.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { createTestServer, useTestServers } from 'rxws/testing';
import 'rxws/testing/jest';

const root = join(__dirname, '..');
const run = promisify(execFile);
const tscBin = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

useTestServers();

const ENTRIES = ['rxws', 'rxws/node', 'rxws/testing', 'rxws/testing/jest'] as const;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Runs a command; on failure, an error whose message is the command's whole output. */
async function exec(file: string, args: string[], cwd: string, timeout = 60_000): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, timeout, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${[file, ...args].join(' ')} failed:\n${stdout}${stderr}` || message);
  }
}

// One `npm pack` for the whole file; the consumers install its contents.
let work = '';
/** The two slow checks, started as soon as the package is unpacked, to run beside the others. */
let packageCheck: Promise<Settled>;
let typeCheck: Promise<Settled>;
type Settled = { output: string } | { error: Error };
const settle = (promise: Promise<string>): Promise<Settled> => promise.then((output) => ({ output }), (error: Error) => ({ error }));
const outputOf = async (settled: Promise<Settled>): Promise<string> => {
  const result = await settled;
  if ('error' in result) throw result.error;
  return result.output;
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rxws-package-'));
  const packed = JSON.parse(await exec('npm', ['pack', '--json', '--pack-destination', work], root)) as Array<{ filename: string }>;
  const tarball = join(work, packed[0]!.filename);
  packageCheck = settle(exec(process.execPath, [join(root, 'scripts', 'check-package.mjs'), tarball], root, 120_000));
  // <work>/node_modules/rxws is the tarball's contents (a copy, not a link to this repo, so nothing
  // unpublished can leak in); its dependencies and what a user of the kit has are links to ours.
  const modules = join(work, 'node_modules');
  mkdirSync(join(modules, 'rxws'), { recursive: true });
  await exec('tar', ['-xzf', tarball, '-C', join(modules, 'rxws'), '--strip-components=1'], work);
  for (const dep of ['rxjs', 'ws', '@types/ws', '@types/node', 'expect', 'jest-environment-jsdom', '@angular/core']) {
    mkdirSync(dirname(join(modules, dep)), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), join(modules, dep), 'dir');
  }
  const projects = Object.entries(CONSUMERS).map(([name, project]) => {
    const dir = join(work, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: project.type }));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...BASE_OPTIONS, ...project.options }, files: Object.keys(project.files) }));
    for (const [file, source] of Object.entries(project.files)) writeFileSync(join(dir, file), source);
    return dir;
  });
  // One TypeScript process for every project (build mode shares the parsed files), with this
  // repo's TypeScript; it fails with the errors it printed.
  typeCheck = settle(exec(process.execPath, [tscBin, '-b', ...projects], work, 180_000));
}, 120_000);
afterAll(async () => {
  await Promise.all([packageCheck, typeCheck]);
  if (work) rmSync(work, { recursive: true, force: true });
}, 200_000);

describe('the package', () => {
  it('loads every entry point with require() and import() on Node, the same exports each way', async () => {
    const script = join(work, 'load.cjs');
    writeFileSync(script, LOAD_SCRIPT);
    const loaded = JSON.parse(await exec(process.execPath, [script, ...ENTRIES], work)) as Record<string, LoadResult>;
    for (const entry of ENTRIES) {
      const { required, imported } = loaded[entry]!;
      expect([entry, required.file]).toEqual([entry, expect.stringMatching(/\/dist\/cjs\//)]);
      expect([entry, imported.names]).toEqual([entry, required.names]);
      expect(required.names.length).toBeGreaterThan(0);
    }
    expect(loaded['rxws']!.required.names).toEqual(expect.arrayContaining(['WebSocket', 'webSocket', 'CloseEvent', 'ErrorEvent', 'reconnect']));
    expect(loaded['rxws/node']!.required.names).toContain('wrapWebSocket');
    expect(loaded['rxws/testing']!.required.names).toContain('createTestServer');
    expect(loaded['rxws/testing/jest']!.required.names).toContain('matchers');
    // Node 20 has no global WebSocket; rxws's own is there all the same.
    expect(loaded['rxws']!.globalWebSocket).toBe('undefined');
  }, 60_000);

  it('under the browser condition, loads the browser builds (ESM and CommonJS): no ws, no Node built-ins, the same exports', async () => {
    const script = join(work, 'load.cjs');
    writeFileSync(script, LOAD_SCRIPT);
    const browser = (JSON.parse(await exec(process.execPath, ['--conditions=browser', script, 'rxws'], work)) as Record<string, LoadResult>)['rxws']!;
    const nodeBuild = (JSON.parse(await exec(process.execPath, [script, 'rxws'], work)) as Record<string, LoadResult>)['rxws']!;
    expect(browser.required.file).toMatch(/\/dist\/browser-cjs\/index\.js$/);
    expect(browser.imported.names).toEqual(browser.required.names);
    expect(browser.required.names).toEqual(nodeBuild.required.names);
    // What each loaded besides itself and rxjs (the Node build, for contrast: ws and the network).
    const nodeOnly = /^NativeModule (net|tls|http|https|zlib|stream|crypto|events|buffer)$/;
    expect(browser.wsLoaded).toBe(false);
    expect(browser.builtIns.filter((name) => nodeOnly.test(name))).toEqual([]);
    expect(nodeBuild.wsLoaded).toBe(true);
    expect(nodeBuild.builtIns.filter((name) => nodeOnly.test(name))).toEqual(expect.arrayContaining(['NativeModule net', 'NativeModule http']));
  }, 60_000);

  it("works in a user's Jest test in the jsdom environment (the browser condition, required as CommonJS)", async () => {
    const server = await createTestServer({ json: true });
    server.on({ type: 'hello' }).reply({ type: 'welcome' });
    const project = join(work, 'jest-jsdom');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer-jest-jsdom', private: true }));
    writeFileSync(join(project, 'jest.config.js'), `module.exports = { testEnvironment: 'jsdom', testTimeout: 30000, cacheDirectory: ${JSON.stringify(join(work, 'jest-cache'))} };`);
    writeFileSync(join(project, 'app.test.js'), `const { webSocket } = require('rxws');
const { firstValueFrom } = require('rxjs');
test('the browser build, over the WebSocket of jsdom', async () => {
  expect(require.resolve('rxws')).toMatch(/dist[\\\\/]browser-cjs[\\\\/]index\\.js$/);
  const subject = webSocket(process.env.RXWS_TEST_SERVER);
  const reply = firstValueFrom(subject);
  subject.next({ type: 'hello' });
  expect(await reply).toEqual({ type: 'welcome' });
});
`);
    const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
    const env = { ...process.env, RXWS_TEST_SERVER: server.url, JEST_WORKER_ID: undefined, NODE_OPTIONS: undefined, FORCE_COLOR: '0' };
    const { stderr } = await run(process.execPath, [jest, '--rootDir', project, '--watchman=false', '--ci'], { cwd: project, env, timeout: 90_000 }).catch(
      (error: { stdout?: string; stderr?: string }) => { throw new Error(`the jsdom project's Jest run failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`); },
    );
    expect(stderr).toMatch(/Tests:\s+1 passed, 1 total/);
    await expect(server).toHaveReceivedMessages([{ type: 'hello' }]);
  }, 120_000);

  it('gives the browser condition the platform WebSocket, never ws or Node built-ins', async () => {
    for (const tree of ['browser', 'browser-cjs']) {
      const sources = files(join(root, 'dist', tree)).filter((f) => f.endsWith('.js'));
      expect(sources.length).toBeGreaterThan(0);
      for (const file of sources) {
        const source = readFileSync(file, 'utf8');
        expect(source).not.toMatch(/\bprocess\.|\bBuffer\b/);
        // The only bare module either tree loads is rxjs, and @angular/core in rxws/angular (statements and require calls, not comments).
        const specifiers = [
          ...source.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm),
          ...source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
          ...source.matchAll(/\b(?:require|import)\(\s*"([^"]+)"\s*\)/g),
        ].map((m) => m[1]!);
        const allowed = /[\\/]angular[\\/]/.test(file) ? /^(\.|rxjs$|@angular\/core$)/ : /^(\.|rxjs$)/;
        for (const specifier of specifiers) expect([file, specifier]).toEqual([file, expect.stringMatching(allowed)]);
      }
    }
    const { stdout } = await run(process.execPath, [
      '--conditions=browser',
      '--input-type=module',
      '-e',
      "globalThis.WebSocket = class Native {}; const m = await import('rxws'); console.log(m.WebSocket === globalThis.WebSocket)",
    ], { cwd: root, timeout: 30_000 });
    expect(stdout.trim()).toBe('true');
  });

  it('declares side effects only for the Jest entry (it registers matchers on import), ws as a caret range, rxjs 7 as a peer, and ESM and CommonJS declarations for every entry', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      sideEffects: string[];
      exports: Record<string, unknown>;
      peerDependencies: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(pkg.sideEffects).toEqual(['./dist/esm/testing/jest.js', './dist/cjs/testing/jest.js']);
    for (const file of pkg.sideEffects) expect(existsSync(join(root, file))).toBe(true);
    // A user with a newer ws 8 shares it with rxws rather than installing a second copy.
    expect(pkg.dependencies.ws).toMatch(/^\^8\./);
    expect(pkg.peerDependencies.rxjs).toMatch(/^\^7/);
    // Every `types` in the map, with the format TypeScript gives it (the nearest package.json's type).
    const typesOf = (target: unknown, conditions: string[]): Array<[string, string]> =>
      typeof target !== 'object' || target === null
        ? []
        : Object.entries(target).flatMap(([condition, value]) =>
            condition === 'types' ? [[conditions.join('.'), value as string] as [string, string]] : typesOf(value, [...conditions, condition]));
    for (const entry of ['.', './angular', './shared', './shared/session', './node', './testing', './testing/jest']) {
      const types = typesOf(pkg.exports[entry], []);
      for (const [conditions, file] of types) {
        expect([entry, conditions, statSync(join(root, file)).isFile()]).toEqual([entry, conditions, true]);
        const format = file.startsWith('./dist/cjs/') ? 'require' : 'import';
        expect([entry, conditions]).toEqual([entry, expect.stringContaining(format)]);
      }
      expect(types.map(([conditions]) => conditions)).toEqual(expect.arrayContaining([expect.stringMatching(/import$/), expect.stringMatching(/require$/)]));
    }
    expect(readFileSync(join(root, 'dist', 'cjs', 'package.json'), 'utf8')).toContain('"commonjs"');
  });

  it('ships the rxws command (bin): `rxws --help` and `rxws connect --help` run from the installed package', async () => {
    const installed = join(work, 'node_modules', 'rxws');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const bin = join(installed, manifest.bin['rxws']!);
    expect(await exec(process.execPath, [bin, '--help'], work)).toMatch(/rxws connect <url>[\s\S]*rxws serve/);
    expect(await exec(process.execPath, [bin, 'connect', '--help'], work)).toMatch(/--reconnect/);
  });

  it('passes @arethetypeswrong/cli (profile node16) and publint with nothing reported', async () => {
    const output = await outputOf(packageCheck);
    expect(output).toContain('attw (profile node16): no problems');
    expect(output).toContain('publint (every level): no messages');
  }, 120_000);

  it('ships no @internal declaration in its .d.ts files (stripInternal), nor the engine\'s own names', () => {
    const declarations = files(join(work, 'node_modules', 'rxws', 'dist')).filter((f) => f.endsWith('.d.ts'));
    expect(declarations.length).toBeGreaterThan(0);
    for (const file of declarations) {
      const source = readFileSync(file, 'utf8');
      // A stripped declaration takes its comment with it: an `@internal` left means one was not stripped.
      expect([file, source.includes('@internal')]).toEqual([file, false]);
      // A few names the subject and the kit keep to themselves (the type check below catches a
      // public signature that still names a stripped one).
      expect([file, source.match(/\b(coreOf|kSendGate|SubjectCore|_subscribe|realDelay|deepEqual|acceptConnection|UpgradeGate)\b/)?.[0]]).toEqual([file, undefined]);
    }
  });

  it('type-checks in CommonJS and ESM projects (node16, nodenext), bundler, a browser bundler and node10', async () => {
    expect(await outputOf(typeCheck)).toBe('');
  }, 200_000);
});

interface LoadResult {
  required: { file: string; names: string[] };
  imported: { names: string[] };
  wsLoaded: boolean;
  builtIns: string[];
  globalWebSocket: string;
}

// Loads each entry named on the command line with require() and then import(), from a CommonJS
// script in the consumers' folder. A global `expect` (as in Jest) lets rxws/testing/jest register.
const LOAD_SCRIPT = `'use strict';
const extended = [];
globalThis.expect = { extend: (matchers) => extended.push(Object.keys(matchers)) };
const browser = process.execArgv.includes('--conditions=browser');
if (browser) globalThis.WebSocket = class NativeWebSocket {};
// The platform globals the browser build reads: Node makes some of them on first access (its
// MessageEvent loads its stream module), which a browser's own globals do not charge to rxws.
if (browser) void [globalThis.MessageEvent, globalThis.CloseEvent, globalThis.ErrorEvent];
(async () => {
  const result = {};
  const loadedBefore = new Set(process.moduleLoadList);
  for (const entry of process.argv.slice(2)) {
    const globalWebSocket = typeof globalThis.WebSocket;
    const required = require(entry);
    const imported = await import(entry);
    result[entry] = {
      required: { file: require.resolve(entry), names: Object.keys(required).sort() },
      imported: { names: Object.keys(imported).filter((name) => name !== 'default').sort() },
      wsLoaded: Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]ws[\\\\/]/.test(file)),
      builtIns: process.moduleLoadList.filter((name) => !loadedBefore.has(name)),
      globalWebSocket,
    };
  }
  process.stdout.write(JSON.stringify(result));
})().catch((error) => { console.error(error); process.exit(1); });
`;

// The consumers, type-checked strictly by the repo's TypeScript. One of them (node16-cjs, whose
// files load both the CommonJS and the ESM declarations) checks the declarations themselves too
// (skipLibCheck off: an import inside them that does not resolve, or TS1479 there, is an error);
// the others skip that, which would check the same files again at several seconds each.
const BASE_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2022'],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
};

// ESM syntax: in an ESM file an import, in a CommonJS one (a .cts, or a .ts in a CommonJS package) a require.
const ESM_SYNTAX = `import { WebSocket, CloseEvent, webSocket, reconnect, WebSocketCloseError, type WebSocketSubject, type ConnectionState, type WebSocketInit } from 'rxws';
import { wrapWebSocket, NODE_DEFAULTS, type NodeWebSocketOptions } from 'rxws/node';
import { createTestServer, type TestServer } from 'rxws/testing';
import { matchers, type TestServerMatchers } from 'rxws/testing/jest';

const options: NodeWebSocketOptions = { headers: { authorization: 'x' }, handshakeTimeout: 1000 };
const socket: WebSocket = new WebSocket('ws://127.0.0.1:1', ['chat'], options);
socket.onclose = (event: CloseEvent) => void event.wasClean;
const init: WebSocketInit = { protocols: ['chat'], headers: [['x-trace', '1']] };
const withInit: WebSocket = new WebSocket('ws://127.0.0.1:1', init, options);
interface Command { type: 'subscribe'; topic: string }
interface Update { topic: string; value: number }
const subject: WebSocketSubject<Command, Update> = webSocket<Command, Update>({ url: 'ws://127.0.0.1:1', queue: { limit: 100, overflow: 'drop-oldest' } });
subject.next({ type: 'subscribe', topic: 'a' });
subject.pipe(reconnect()).subscribe({ next: (update: Update) => void update.value, error: (e: unknown) => void (e instanceof WebSocketCloseError && e.code) });
subject.state$.subscribe((state: ConnectionState) => void state);
const server: Promise<TestServer> = createTestServer({ json: true });
const matcherNames: Array<keyof TestServerMatchers<void>> = Object.keys(matchers) as Array<keyof typeof matchers>;
void [wrapWebSocket, NODE_DEFAULTS, server, matcherNames, withInit];
`;

// \`import x = require()\`: CommonJS files only.
const IMPORT_REQUIRE = `import rxws = require('rxws');
import rxwsNode = require('rxws/node');
import testing = require('rxws/testing');
import jestMatchers = require('rxws/testing/jest');

const options: rxwsNode.NodeWebSocketOptions = { handshakeTimeout: 1000 };
const socket: rxws.WebSocket = new rxws.WebSocket('ws://127.0.0.1:1', [], options);
const subject: rxws.WebSocketSubject<string, string> = rxws.webSocket<string, string>('ws://127.0.0.1:1');
const server: Promise<testing.TestServer> = testing.createTestServer();
const matcher: jestMatchers.ToReceiveMessageOptions = { timeout: 1000 };
void [socket, subject, server, matcher, rxwsNode.wrapWebSocket, jestMatchers.matchers];
`;

// node16/nodenext: a dynamic import from CommonJS resolves with the \`import\` condition (node10 cannot).
const DYNAMIC_IMPORT = `// A dynamic import from CommonJS gets the ESM build and its declarations (its own classes: the
// dual-package hazard, so these are not assignable to the CommonJS ones).
void import('rxws').then((esm) => { const s: import('rxws', { with: { 'resolution-mode': 'import' } }).WebSocketSubject<string> = esm.webSocket<string>('ws://127.0.0.1:1'); void s; });
`;

// Plain require() in JavaScript, checked by TypeScript (checkJs): each is typed, not \`any\`.
const REQUIRE_JS = `'use strict';
const { WebSocket, webSocket } = require('rxws');
const { wrapWebSocket } = require('rxws/node');
const { createTestServer } = require('rxws/testing');
const { matchers } = require('rxws/testing/jest');

/** @param {number} n */
const aNumber = (n) => n;
// Each would be \`any\` (and these directives unused, an error) if require() found no declarations.
// @ts-expect-error: a class
aNumber(WebSocket);
// @ts-expect-error: a function
aNumber(wrapWebSocket);
// @ts-expect-error: a function
aNumber(createTestServer);
// @ts-expect-error: an object
aNumber(matchers);
/** @type {import('rxws').WebSocketSubject<string, string>} */
const subject = webSocket('ws://127.0.0.1:1');
/** @type {Promise<import('rxws/testing').TestServer>} */
const server = createTestServer();
void [subject, server, new WebSocket('ws://127.0.0.1:1')];
`;

const CJS_JS = { allowJs: true, checkJs: true };

interface Consumer {
  type: 'commonjs' | 'module';
  options: Record<string, unknown>;
  files: Record<string, string>;
}

const CONSUMERS: Record<string, Consumer> = {
  'node16-cjs': {
    type: 'commonjs',
    options: { module: 'node16', moduleResolution: 'node16', ...CJS_JS, skipLibCheck: false },
    files: { 'esm-syntax.ts': ESM_SYNTAX, 'import-require.ts': IMPORT_REQUIRE + DYNAMIC_IMPORT, 'require.js': REQUIRE_JS, 'esm.mts': ESM_SYNTAX },
  },
  'nodenext-cjs': {
    type: 'commonjs',
    options: { module: 'nodenext', moduleResolution: 'nodenext', ...CJS_JS },
    files: { 'esm-syntax.ts': ESM_SYNTAX, 'import-require.ts': IMPORT_REQUIRE + DYNAMIC_IMPORT, 'require.js': REQUIRE_JS, 'esm.mts': ESM_SYNTAX },
  },
  'node16-esm': {
    type: 'module',
    options: { module: 'node16', moduleResolution: 'node16', ...CJS_JS },
    files: { 'esm.ts': ESM_SYNTAX, 'esm-syntax.cts': ESM_SYNTAX, 'import-require.cts': IMPORT_REQUIRE + DYNAMIC_IMPORT, 'require.cjs': REQUIRE_JS },
  },
  'nodenext-esm': {
    type: 'module',
    options: { module: 'nodenext', moduleResolution: 'nodenext', ...CJS_JS },
    files: { 'esm.ts': ESM_SYNTAX, 'esm-syntax.cts': ESM_SYNTAX, 'import-require.cts': IMPORT_REQUIRE + DYNAMIC_IMPORT, 'require.cjs': REQUIRE_JS },
  },
  bundler: {
    type: 'module',
    options: { module: 'esnext', moduleResolution: 'bundler' },
    files: { 'esm.ts': ESM_SYNTAX },
  },
  // A browser app: the `browser` condition, the DOM's types, no Node types.
  'bundler-browser': {
    type: 'module',
    options: { module: 'preserve', moduleResolution: 'bundler', customConditions: ['browser'], lib: ['ES2022', 'DOM'], types: [] },
    files: {
      'app.ts': `import { WebSocket, webSocket, reconnect, type WebSocketSubject } from 'rxws';
const socket: WebSocket = new WebSocket('wss://example.test/feed', ['v1']);
socket.binaryType = 'arraybuffer';
const subject: WebSocketSubject<string> = webSocket<string>({ url: 'wss://example.test/feed', WebSocketCtor: globalThis.WebSocket });
subject.pipe(reconnect()).subscribe((message: string) => void message);
`,
      // An Angular app's use of rxws/angular (the published @angular/core types).
      'angular.ts': `import { InjectionToken, inject, type Provider, type Signal } from '@angular/core';
import { reconnect, type ConnectionState, type WebSocketSubject } from 'rxws';
import { connectionState, injectWebSocket, latestMessage, provideWebSocket } from 'rxws/angular';
const LIVE = new InjectionToken<WebSocketSubject<{ sub: string }, { price: number }>>('LIVE');
const URL_TOKEN = new InjectionToken<string>('URL');
const providers: Provider[] = provideWebSocket(LIVE, () => ({ url: inject(URL_TOKEN) + '/live', ssr: 'skip' }));
// @ts-expect-error: not an SSR mode
provideWebSocket(LIVE, { url: 'wss://example.test', ssr: 'always' });
export function view(): [Signal<ConnectionState>, Signal<{ price: number } | null>] {
  const socket = injectWebSocket(LIVE);
  socket.next({ sub: 'prices' });
  return [connectionState(socket), latestMessage(socket.pipe(reconnect()), null)];
}
void providers;
`,
    },
  },
  // Old resolvers: \`types\` and \`typesVersions\`.
  node10: {
    type: 'commonjs',
    options: { module: 'commonjs', moduleResolution: 'node10' },
    files: { 'esm-syntax.ts': ESM_SYNTAX, 'import-require.ts': IMPORT_REQUIRE },
  },
};
