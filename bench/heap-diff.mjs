// Where the idle memory of a connection goes: opens 1000 connections through one bench adapter
// (bench/clients/<name>.mjs, exactly as the idle-memory scenario does) to bench/server.mjs, and
// prints the heap-snapshot growth per connection by object type, largest first. Give two or more
// adapters to see them side by side (the growth of each, and the difference to the first).
//   npm run build && node --expose-gc bench/heap-diff.mjs raw-ws rxws-websocket rxws-subject
//   ROWS=60 node --expose-gc bench/heap-diff.mjs rxws-subject      (more rows)
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { writeHeapSnapshot } from 'node:v8';
import { readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const N = Number(process.env.CONNECTIONS ?? 1000);
const ROWS = Number(process.env.ROWS ?? 40);
const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));

if (process.argv.includes('--case')) {
  // One adapter, in its own process: prints {"type": [count, bytes] per connection} as JSON.
  const client = await import(new URL(`./clients/${names[0]}.mjs`, import.meta.url).href);
  const server = spawn(process.execPath, [new URL('./server.mjs', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: server.stdout }), 'line');
  const url = `ws://127.0.0.1:${JSON.parse(line).port}/echo`;
  const snap = async () => {
    for (let i = 0; i < 4; i++) {
      global.gc();
      await sleep(20);
    }
    const file = writeHeapSnapshot();
    const data = JSON.parse(readFileSync(file, 'utf8'));
    rmSync(file);
    const f = data.snapshot.meta.node_fields;
    const types = data.snapshot.meta.node_types[0];
    const nameI = f.indexOf('name'), sizeI = f.indexOf('self_size'), typeI = f.indexOf('type');
    const agg = new Map();
    for (let i = 0; i < data.nodes.length; i += f.length) {
      const t = types[data.nodes[i + typeI]];
      const name = t === 'object' || t === 'closure' ? `${t}:${data.strings[data.nodes[i + nameI]]}` : t;
      const e = agg.get(name) ?? [0, 0];
      e[0]++;
      e[1] += data.nodes[i + sizeI];
      agg.set(name, e);
    }
    return agg;
  };
  const first = await client.connect(url); // one-time costs go into the baseline
  first.onMessage(() => {});
  await first.close();
  const before = await snap();
  const keep = [];
  for (let i = 0; i < N; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + 100); j++) batch.push(client.connect(url));
    for (const conn of await Promise.all(batch)) {
      conn.onMessage(() => {});
      keep.push(conn);
    }
  }
  await sleep(200);
  const after = await snap();
  const out = {};
  for (const [k, [c, sz]] of after) {
    const b = before.get(k) ?? [0, 0];
    if (sz !== b[1] || c !== b[0]) out[k] = [(c - b[0]) / N, (sz - b[1]) / N];
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  server.kill();
  process.exit(0);
}

const results = names.map((name) => {
  const out = execFileSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, name, '--case'], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
});
const total = (r) => Object.values(r).reduce((s, [, b]) => s + b, 0);
console.log(names.map((n, i) => `${n}: ${total(results[i]).toFixed(0)} B/conn`).join('   '));
const keys = [...new Set(results.flatMap((r) => Object.keys(r)))];
const cell = (r, k) => r[k]?.[1] ?? 0;
const weight = (k) => Math.max(...results.map((r, i) => Math.abs(cell(r, k) - (i ? cell(results[i - 1], k) : 0))));
keys.sort((a, b) => weight(b) - weight(a));
const head = ['type'.padEnd(34), ...names.map((n, i) => (i ? `+${n}` : n).slice(0, 18).padStart(18))];
console.log(head.join(''));
for (const k of keys.slice(0, ROWS)) {
  const row = [k.slice(0, 33).padEnd(34)];
  results.forEach((r, i) => {
    const bytes = i ? cell(r, k) - cell(results[i - 1], k) : cell(r, k);
    const count = i ? (r[k]?.[0] ?? 0) - (results[i - 1][k]?.[0] ?? 0) : (r[k]?.[0] ?? 0);
    row.push(`${bytes.toFixed(0)} (${count.toFixed(1)})`.padStart(18));
  });
  console.log(row.join(''));
}
