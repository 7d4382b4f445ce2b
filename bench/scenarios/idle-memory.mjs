// Idle memory per open connection: open N connections from this process (each with a message
// handler set, as a real application has), let them settle, force full GCs and divide the growth
// by N. heap+external is what the target is about (JS objects plus Buffers/ArrayBuffers held per
// connection); RSS also includes the allocator's and the kernel-facing side (it is noisier).
import { setTimeout as sleep } from 'node:timers/promises';

export const name = 'idle-memory';
export const description = 'N open idle connections; (heapUsed + external) and RSS growth / N';
export const metrics = [
  // rxws's WebSocket: at most 1.15x raw ws against the ws server (issue 15); the subjects set their own.
  { key: 'heapExtPerConn', label: 'heap+external B/conn', better: 'lower', target: { minimal: { max: 1.5 }, ws: { max: 1.15 } } },
  { key: 'heapPerConn', label: 'heapUsed B/conn', better: 'lower' },
  { key: 'rssPerConn', label: 'RSS B/conn', better: 'lower' },
];

const BATCH = 100; // connections opened concurrently

async function settle() {
  if (typeof globalThis.gc !== 'function') throw new Error('idle-memory needs node --expose-gc');
  // Several passes with turns of the event loop between them, so finalizers and weak callbacks
  // run and what they release is collected too.
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await sleep(20);
  }
}

export async function run(client, ctx) {
  const n = ctx.connections;
  // A batch of connections opened and closed first, so lazily loaded code, one-time caches and
  // the code the JIT compiles for a hot connect path are in the baseline rather than charged to
  // the N connections (one warm-up connection left ≈ 100 B/conn of optimized code in the figure).
  for (let round = 0; round < 3; round++) {
    const warm = await Promise.all(Array.from({ length: Math.min(BATCH, n) }, () => client.connect(ctx.url('/echo'))));
    for (const conn of warm) conn.onMessage(() => {});
    await Promise.all(warm.map((conn) => conn.close()));
  }
  await sleep(50);
  await settle();
  const before = process.memoryUsage();

  const open = [];
  for (let i = 0; i < n; i += BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) batch.push(client.connect(ctx.url('/echo')));
    for (const conn of await Promise.all(batch)) {
      conn.onMessage(() => {});
      open.push(conn);
    }
  }
  await sleep(200);
  await settle();
  const after = process.memoryUsage();

  const result = {
    heapExtPerConn: (after.heapUsed + after.external - before.heapUsed - before.external) / n,
    heapPerConn: (after.heapUsed - before.heapUsed) / n,
    rssPerConn: (after.rss - before.rss) / n,
    connections: open.length,
  };
  await Promise.all(open.map((c) => c.close()));
  return result;
}
