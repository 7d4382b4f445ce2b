// Builds dist/, each format with its own declarations (TypeScript reads a .d.ts as ESM or CommonJS
// by the nearest package.json's "type", as Node reads the .js beside it):
// - dist/esm: ESM for Node; its declarations in dist/types (ESM, by the root "type": "module").
// - dist/cjs: CommonJS for Node, with its declarations beside it (dist/cjs/package.json says
//   "type": "commonjs"), for `require` under `moduleResolution: node16`/`nodenext` (else TS1479).
// - dist/browser (ESM) and dist/browser-cjs (CommonJS, e.g. Jest's jsdom environment, which
//   resolves the `browser` condition and then requires): the same trees with the platform
//   WebSocket, which never reach `ws` or Node built-ins. They use the declarations above.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const tsc = join(root, 'node_modules', '.bin', 'tsc');
const run = (args) => execFileSync(tsc, args, { cwd: root, stdio: 'inherit' });

rmSync(dist, { recursive: true, force: true });

// ESM + its declarations (dist/types).
run(['-p', 'tsconfig.build.json']);
// CommonJS + its declarations.
run(['-p', 'tsconfig.build-cjs.json']);
writeFileSync(join(dist, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');

const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]);
const dropSourceMapComment = (src) => src.replace(/\n\/\/# sourceMappingURL=.*$/, '');

// A browser tree: the Node tree with every `*.browser.js` module put in place of its Node twin, the
// Node-only folders removed, and then everything its index.js cannot reach (the Node WebSocket and
// its helpers, the declarations). A module with a browser twin is the only place that touches `ws`.
function browserTree(from, to) {
  cpSync(from, to, { recursive: true });
  for (const dir of ['node', 'testing']) rmSync(join(to, dir), { recursive: true, force: true });
  for (const file of walk(to)) {
    if (!file.endsWith('.browser.js')) continue;
    writeFileSync(file.replace(/\.browser\.js$/, '.js'), readFileSync(file, 'utf8'));
    rmSync(file);
  }
  const reachable = new Set();
  const visit = (file) => {
    if (reachable.has(file) || !existsSync(file)) return;
    reachable.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:\bfrom|\bimport|\brequire)\s*\(?\s*['"](\.[^'"]+)['"]/g)) visit(join(file, '..', m[1]));
  };
  visit(join(to, 'index.js'));
  visit(join(to, 'session', 'index.js')); // rxws/session: a browser entry too
  visit(join(to, 'angular', 'index.js')); // rxws/angular: a browser entry too
  visit(join(to, 'queue', 'index.js')); // rxws/queue: likewise
  visit(join(to, 'observe', 'index.js')); // rxws/observe: likewise
  visit(join(to, 'shared', 'index.js')); // rxws/shared: a browser entry (browsers only, in fact)
  visit(join(to, 'shared', 'session', 'index.js')); // rxws/shared/session: sharedSession()
  if (existsSync(join(to, 'package.json'))) reachable.add(join(to, 'package.json')); // its "type"
  for (const file of walk(to)) if (!reachable.has(file)) rmSync(file);
  for (const file of reachable) {
    if (!file.endsWith('.js')) continue;
    const src = dropSourceMapComment(readFileSync(file, 'utf8'));
    writeFileSync(file, src);
    const builtIn = /(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*)['"](ws|node:[^'"]+|events|stream|net|tls|http|https|buffer|crypto|url|util|zlib)['"]|\bprocess\.|\bBuffer\./;
    const bad = src.match(builtIn);
    if (bad) throw new Error(`browser build: ${file} references ${bad[0]}`);
  }
}
browserTree(join(dist, 'esm'), join(dist, 'browser'));
browserTree(join(dist, 'cjs'), join(dist, 'browser-cjs'));

console.log('built dist/esm + dist/types, dist/cjs (with its declarations), dist/browser, dist/browser-cjs');
