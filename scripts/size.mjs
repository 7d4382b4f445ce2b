// Size report of the browser build: minified + gzip bytes per entry and for typical imports,
// with rxjs (a peer dependency) left out and bundled in. `npm run size` (builds first).
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// RXWS_SIZE_DIST: another build's dist/browser/index.js (to compare with an older commit).
const entry = process.env.RXWS_SIZE_DIST ?? join(root, 'dist', 'browser', 'index.js');
if (!existsSync(entry)) throw new Error('dist/browser is missing: run `npm run build` first');

// What a user writes. `budget` / `added`: the most the row may weigh (rxws code alone, gzip,
// bytes), as issue #16 set them: `webSocket` alone, then what each capability adds to it, and
// everything. `ceiling`: where a row does not meet its budget yet, the most it may weigh now (a
// guard against growing further; see docs/performance.md). `--check` fails on either.
const KiB = 1024;
const cases = [
  { label: 'everything (import * as rxws)', code: 'export * from "rxws";', budget: 17.8 * KiB },
  { label: 'WebSocket only', code: 'export { WebSocket } from "rxws";' },
  { label: 'webSocket', code: 'export { webSocket } from "rxws";', budget: 5.0 * KiB, ceiling: 7.9 * KiB },
  { label: '+ reconnect', code: 'export { webSocket, reconnect } from "rxws";', added: 3.0 * KiB },
  { label: '+ multiplex, channel, request', code: 'export { webSocket, multiplex, channel, request } from "rxws";', added: 3.5 * KiB },
  { label: '+ backpressure, gate', code: 'export { webSocket, backpressure, gate } from "rxws";', added: 2.0 * KiB },
  { label: '+ all of backpressure (sendAll, …)', code: 'export { webSocket, backpressure, gate, sendAll, writableOf, bufferedAmountOf } from "rxws";' },
  { label: '+ heartbeat', code: 'export { webSocket, heartbeat } from "rxws";', added: 1.5 * KiB },
  { label: '+ validated (Standard Schema)', code: 'export { webSocket, validated } from "rxws";' },
  { label: '+ boundQueue (rxws/queue)', code: 'export { webSocket } from "rxws"; export { boundQueue } from "rxws/queue";' },
  { label: '+ logLifecycle (rxws/observe)', code: 'export { webSocket } from "rxws"; export { logLifecycle } from "rxws/observe";' },
  { label: '+ volatile (rxws/queue)', code: 'export { webSocket } from "rxws"; export { volatile } from "rxws/queue";' },
  { label: '+ resumable (rxws/session)', code: 'export { webSocket } from "rxws"; export { resumable } from "rxws/session";' },
  { label: 'webSocket + reconnect + gate', code: 'export { webSocket, reconnect, gate } from "rxws";' },
  // rxws/shared: one connection for all tabs (issue #20: at most 4 KiB on top of webSocket).
  { label: '+ rxws/shared (sharedWebSocket)', code: 'export { webSocket } from "rxws"; export { sharedWebSocket } from "rxws/shared";', added: 4.0 * KiB },
  // ...with a resumable session shared across hand-overs, bundled up front (sharedSession; a bare
  // resumable() loads the same code on demand, a chunk this row would not count): reported, no budget.
  { label: '+ rxws/shared with a session', code: 'export { webSocket } from "rxws"; export { sharedWebSocket } from "rxws/shared"; export { sharedSession } from "rxws/shared/session"; export { resumable } from "rxws/session";' },
  // rxws/angular on top of webSocket (@angular/core left out, like rxjs): reported, no budget.
  { label: '+ rxws/angular (providers, signals)', code: 'export { webSocket } from "rxws"; export * from "rxws/angular";' },
];

// Bundled with code splitting, as an app's bundler does: what loads up front is the entry and the
// chunks it imports statically (all concatenated before gzip); a dynamic import()'s chunk (the
// code that shares a session, loaded on demand) is not part of the row.
async function measure(contents, external, metafile = false) {
  const result = await build({
    metafile: true,
    stdin: { contents, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    splitting: true,
    outdir: join(root, '.size-out'), // (nothing is written)
    write: false,
    logLevel: 'silent',
    alias: { rxws: entry, 'rxws/session': join(entry, '..', 'session', 'index.js'), 'rxws/angular': join(entry, '..', 'angular', 'index.js'), 'rxws/queue': join(entry, '..', 'queue', 'index.js'), 'rxws/observe': join(entry, '..', 'observe', 'index.js'), 'rxws/shared/session': join(entry, '..', 'shared', 'session', 'index.js'), 'rxws/shared': join(entry, '..', 'shared', 'index.js') },
    external: external ? ['rxjs', '@angular/core'] : ['@angular/core'],
  });
  const outputs = result.metafile.outputs;
  const entryOutput = Object.keys(outputs).find((path) => outputs[path].entryPoint === '<stdin>');
  const upFront = new Set();
  const visit = (path) => {
    if (upFront.has(path)) return;
    upFront.add(path);
    for (const { path: imported, kind, external: outside } of outputs[path].imports) if (kind === 'import-statement' && !outside) visit(imported);
  };
  visit(entryOutput);
  const files = result.outputFiles.filter((file) => [...upFront].some((path) => file.path.endsWith(path.replace(/^\.size-out/, ''))));
  const code = Buffer.concat(files.map((file) => file.contents));
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length, metafile: metafile ? result.metafile : undefined };
}

// `--files`: what each module adds to the plain `webSocket` row (minified bytes in the bundle, and
// its own code gzipped alone: an upper bound of its share of the row's gzip).
if (process.argv.includes('--files')) {
  const { metafile } = await measure('export { webSocket } from "rxws";', true, true);
  const inputs = Object.entries(Object.values(metafile.outputs)[0].inputs)
    .filter(([, v]) => v.bytesInOutput > 0)
    .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput);
  let total = 0;
  for (const [file, { bytesInOutput }] of inputs) {
    total += bytesInOutput;
    console.log(`${String(bytesInOutput).padStart(6)}  ${file.replace(/^.*dist\/browser\//, '')}`);
  }
  console.log(`${String(total).padStart(6)}  (minified bytes, webSocket alone)`);
  process.exit(0);
}

const rows = [];
let plain;
for (const { label, code, budget, added, ceiling } of cases) {
  let alone;
  let withRxjs;
  try {
    alone = await measure(code, true);
    withRxjs = await measure(code, false);
  } catch (error) {
    // A name this build does not export (an older build measured for comparison).
    rows.push({ label, missing: String(error.errors?.[0]?.text ?? error.message).slice(0, 80), failed: true });
    continue;
  }
  if (label === 'webSocket') plain = alone.gzip;
  const limit = added !== undefined ? plain + added : budget;
  const over = limit !== undefined && alone.gzip > limit;
  // A row with a ceiling may be over its budget (reported), never over its ceiling.
  const failed = ceiling !== undefined ? alone.gzip > ceiling : over;
  rows.push({ label, alone, withRxjs, limit, ceiling, over, failed });
}
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const json = process.argv.includes('--json');
if (json) {
  console.log(JSON.stringify(rows.map(({ label, alone, withRxjs, limit, ceiling, over, failed, missing }) => ({ label, min: alone?.min, gzip: alone?.gzip, withRxjsGzip: withRxjs?.gzip, limit, ceiling, over, failed, missing }))));
} else {
  console.log('import                             | rxws min | rxws gzip | budget (gzip)                      | with rxjs gzip');
  console.log('-----------------------------------|----------|-----------|------------------------------------|---------------');
  for (const { label, alone, withRxjs, limit, ceiling, over, missing } of rows) {
    if (missing !== undefined) {
      console.log(`${label.padEnd(35)}| n/a: ${missing}`);
      continue;
    }
    const budget = limit === undefined ? '' : `${over ? 'OVER ' : ''}<= ${kb(limit)}${over && ceiling !== undefined ? ` (now <= ${kb(ceiling)})` : ''}`;
    console.log(`${label.padEnd(35)}| ${kb(alone.min).padStart(8)} | ${kb(alone.gzip).padStart(9)} | ${budget.padEnd(34)} | ${kb(withRxjs.gzip).padStart(14)}`);
  }
}
if (rows.some((r) => r.failed) && process.argv.includes('--check')) process.exitCode = 1;
