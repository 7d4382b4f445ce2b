// Where the idle memory of a connection goes: opens 1000 connections (rxws `webSocket()` subjects,
// or bare rxws `WebSocket`s) to a `ws` server in a child process, and prints the heap-snapshot
// growth per connection by object type, largest first. For work on the idle-memory targets.
//   npm run build && node --expose-gc bench/heap-diff.mjs client subject
//   npm run build && node --expose-gc bench/heap-diff.mjs client ws
import { fork } from 'node:child_process';
import { writeHeapSnapshot } from 'node:v8';
import { readFileSync, rmSync } from 'node:fs';
import { WebSocketServer } from 'ws';
const [mode, kind] = process.argv.slice(2);
if (mode === 'server') {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('listening', () => process.send(wss.address().port));
} else {
  const { webSocket, WebSocket } = await import('../dist/esm/index.js');
  const child = fork(new URL(import.meta.url).pathname, ['server']);
  const port = await new Promise((r) => child.once('message', r));
  const url = `ws://127.0.0.1:${port}`;
  const N = 1000;
  const keep = [];
  const snap = () => {
    global.gc();
    const file = writeHeapSnapshot();
    const data = JSON.parse(readFileSync(file, 'utf8'));
    rmSync(file);
    const f = data.snapshot.meta.node_fields; const types = data.snapshot.meta.node_types[0];
    const nameI = f.indexOf('name'), sizeI = f.indexOf('self_size'), typeI = f.indexOf('type');
    const agg = new Map();
    for (let i = 0; i < data.nodes.length; i += f.length) {
      const t = types[data.nodes[i + typeI]];
      const name = t === 'object' || t === 'closure' ? `${t}:${data.strings[data.nodes[i + nameI]]}` : t;
      const e = agg.get(name) ?? [0, 0]; e[0]++; e[1] += data.nodes[i + sizeI]; agg.set(name, e);
    }
    return agg;
  };
  const before = snap();
  for (let i = 0; i < N; i++) {
    if (kind === 'subject') {
      const s = webSocket({ url, options: { perMessageDeflate: false } });
      s.subscribe();
      keep.push(s);
    } else {
      const s = new WebSocket(url, [], { perMessageDeflate: false });
      s.addEventListener('message', () => {});
      keep.push(s);
    }
  }
  await new Promise((r) => setTimeout(r, 1500));
  const after = snap();
  const rows = [];
  for (const [k, [c, sz]] of after) { const b = before.get(k) ?? [0, 0]; const d = sz - b[1]; if (d > 20 * N) rows.push([k, ((c - b[0]) / N).toFixed(2), (d / N).toFixed(0)]); }
  rows.sort((a, b) => b[2] - a[2]);
  let total = 0; for (const [k, [c, sz]] of after) total += sz - (before.get(k)?.[1] ?? 0);
  console.log('total per conn', (total / N).toFixed(0));
  for (const r of rows.slice(0, 40)) console.log(r.join('\t'));
  child.kill(); process.exit(0);
}
