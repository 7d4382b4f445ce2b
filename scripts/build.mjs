// Builds dist/: ESM (dist/esm) and CommonJS (dist/cjs) for Node, a browser ESM tree (dist/browser)
// that uses the platform WebSocket and never reaches `ws` or Node built-ins, and declarations (dist/types).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const tsc = join(root, 'node_modules', '.bin', 'tsc');
const run = (args) => execFileSync(tsc, args, { cwd: root, stdio: 'inherit' });

rmSync(dist, { recursive: true, force: true });

// ESM + declarations.
run(['-p', 'tsconfig.build.json']);
// CommonJS.
run(['-p', 'tsconfig.build-cjs.json']);
writeFileSync(join(dist, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');

// Browser: the ESM tree, with every `*.browser.js` module put in place of its Node twin, and the
// Node-only folders removed. A module with a browser twin is the only place that touches `ws`.
const browser = join(dist, 'browser');
cpSync(join(dist, 'esm'), browser, { recursive: true });
for (const dir of ['node', 'testing']) rmSync(join(browser, dir), { recursive: true, force: true });
const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]);
for (const file of walk(browser)) {
  if (file.endsWith('.map')) { rmSync(file); continue; }
  if (!file.endsWith('.browser.js')) continue;
  const twin = file.replace(/\.browser\.js$/, '.js');
  writeFileSync(twin, readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/, ''));
  rmSync(file);
}
// Drop modules the browser tree can no longer reach (the Node WebSocket and its helpers).
const reachable = new Set();
const visit = (file) => {
  if (reachable.has(file) || !existsSync(file)) return;
  reachable.add(file);
  const src = readFileSync(file, 'utf8');
  for (const m of src.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) visit(join(file, '..', m[1]));
};
visit(join(browser, 'index.js'));
for (const file of walk(browser)) if (!reachable.has(file)) rmSync(file);
for (const file of reachable) {
  const src = readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/, '');
  writeFileSync(file, src);
  const bad = src.match(/from\s*['"](ws|node:[^'"]+|events|stream|net|tls|http|https|buffer)['"]|\bprocess\.|\bBuffer\./);
  if (bad) throw new Error(`browser build: ${file} references ${bad[0]}`);
}
console.log('built dist/esm, dist/cjs, dist/browser, dist/types');
