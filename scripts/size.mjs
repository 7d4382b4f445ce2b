// Size report of the browser build: minified + gzip bytes per entry and for typical imports,
// with rxjs (a peer dependency) left out and bundled in. `npm run size` (builds first).
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const entry = join(root, 'dist', 'browser', 'index.js');
if (!existsSync(entry)) throw new Error('dist/browser is missing: run `npm run build` first');

// What a user writes; names missing from the build (later layers) are skipped, and said so.
const cases = [
  ['everything (import * as rxws)', 'export * from "rxws";'],
  ['WebSocket only', 'export { WebSocket } from "rxws";'],
  ['webSocket', 'export { webSocket } from "rxws";'],
  ['webSocket + reconnect', 'export { webSocket, reconnect } from "rxws";'],
  ['webSocket + reconnect + gate', 'export { webSocket, reconnect, gate } from "rxws";'],
];

async function measure(contents, external) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    alias: { rxws: entry },
    external: external ? ['rxjs'] : [],
  });
  const code = result.outputFiles[0].contents;
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

const rows = [];
for (const [label, contents] of cases) {
  try {
    const alone = await measure(contents, true);
    const withRxjs = await measure(contents, false);
    rows.push([label, alone.min, alone.gzip, withRxjs.min, withRxjs.gzip]);
  } catch (error) {
    rows.push([label, 'n/a', 'n/a', 'n/a', String(error.errors?.[0]?.text ?? error.message).slice(0, 60)]);
  }
}
const kb = (n) => (typeof n === 'number' ? `${(n / 1024).toFixed(1)} KiB` : n);
console.log('import                         | rxws min | rxws gzip | with rxjs min | with rxjs gzip');
console.log('-------------------------------|----------|-----------|---------------|---------------');
for (const [label, a, b, c, d] of rows) {
  console.log(`${label.padEnd(31)}| ${kb(a).padStart(8)} | ${kb(b).padStart(9)} | ${kb(c).padStart(13)} | ${kb(d).padStart(14)}`);
}
