// Stream pipelines through one WebSocket, both directions, rxws/node vs ws's createWebSocketStream:
// MB/s and peak RSS, for two data sizes (RSS must be flat in the size: bounded by the water
// marks, not by the payload).
//
//   node bench/streams.mjs                 # 256 MiB and 1 GiB, each direction, 3 rounds (≈1.5 min)
//   node bench/streams.mjs --sizes=64,256 --rounds=1     # MiB
//   node bench/streams.mjs --case=rxws,upload,1024       # one case in this process (used by the runner)
//                                    (a case run by hand takes the allocator settings of its shell)
//
// Every case runs in a fresh `node` process against a fresh bench/server.mjs process:
//   upload:   pipeline(Readable of 64 KiB chunks, <client writable>)  → /sink (the server drops data)
//   download: pipeline(<client readable>, counter)  ← /source?size=65536&type=binary (the server
//             writes as fast as TCP lets it); the counter stops the pipeline after N bytes (an
//             early exit, which closes the socket).
// The time includes connecting and, for uploads, the close after the last byte was written.
// Peak RSS is sampled every 10 ms (process.memoryUsage.rss()) and also read from
// process.resourceUsage().maxRSS at the end; the higher is reported.
// BENCH_RXWS_DIST=path/to/esm/index.js benchmarks another rxws build (default dist/esm).
//
// --malloc=steady (default) or --malloc=system: see bench/allocator.mjs (glibc's heap trimming,
// held back alike for every process by default, moved a download by 2x from run to run).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { CLIENT_CPU, nodeOn, pinning, SERVER_CPU } from './pin.mjs';
import { allocatorMode, caseEnv, describeAllocator } from './allocator.mjs';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const here = new URL('.', import.meta.url);
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v = 'true'] = a.replace(/^--/, '').split('=');
    return [k, v];
  }),
);

async function startServer() {
  const [command, argv] = nodeOn(SERVER_CPU, [new URL('server.mjs', here).pathname]);
  // The server inherits this case's environment (the runner set the allocator mode for both).
  const server = spawn(command, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: server.stdout }), 'line');
  return { port: JSON.parse(line).port, stop: () => server.kill() };
}

function source(bytes) {
  const block = Buffer.alloc(CHUNK, 0x61);
  let left = bytes;
  return new Readable({
    highWaterMark: 16 * CHUNK,
    read() {
      if (left <= 0) return this.push(null);
      left -= CHUNK;
      this.push(block);
    },
  });
}

/** Counts bytes; ends the pipeline (an early exit) once `bytes` have arrived. */
function take(bytes) {
  return async function* (chunks) {
    let seen = 0;
    for await (const chunk of chunks) {
      seen += chunk.length ?? chunk.byteLength;
      if (seen >= bytes) return;
    }
    throw new Error(`the stream ended after ${seen} of ${bytes} bytes`);
  };
}
const discard = () => new Writable({ objectMode: true, highWaterMark: 16, write: (_c, _e, cb) => cb() });

// Loads the modules of both clients before the clock starts, in every case: module loading is not
// streaming, and a process that loaded more modules lays out its heap differently, which moves
// `ws`'s own figure too (glibc then returns and refaults freed pages at another rate).
const modules = {
  async rxws() {
    const entry = process.env.BENCH_RXWS_DIST ? pathToFileURL(process.env.BENCH_RXWS_DIST).href : new URL('../dist/esm/index.js', import.meta.url).href;
    return { ...(await import(entry)), ...(await import(new URL('./node/index.js', entry).href)) };
  },
  ws: () => import('ws'),
};
const loaded = {};

const clients = {
  async rxws(url, direction, bytes) {
    const { webSocket, toReadable, toWritable } = loaded.rxws;
    const subject = webSocket({ url, serializer: (x) => x, deserializer: (e) => e.data, binaryType: 'nodebuffer' });
    if (direction === 'upload') await pipeline(source(bytes), toWritable(subject));
    else await pipeline(toReadable(subject), take(bytes), discard());
  },
  async ws(url, direction, bytes) {
    const { WebSocket, createWebSocketStream } = loaded.ws;
    const socket = new WebSocket(url);
    const stream = createWebSocketStream(socket);
    if (direction === 'upload') await pipeline(source(bytes), stream);
    else await pipeline(stream, take(bytes), discard());
  },
};

async function runCase(client, direction, mib) {
  const bytes = mib * MiB;
  const { port, stop } = await startServer();
  const url = direction === 'upload' ? `ws://127.0.0.1:${port}/sink` : `ws://127.0.0.1:${port}/source?size=${CHUNK}&type=binary`;
  for (const name of Object.keys(modules)) loaded[name] ??= await modules[name]();
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  await clients[client](url, direction, bytes);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
  stop();
  return { client, direction, mib, seconds, mbPerSec: bytes / MiB / seconds, cpuMsPerMiB: (cpu.user + cpu.system) / 1000 / mib, peakRssMiB: peak / MiB };
}

if (args.case) {
  const [client, direction, mib] = args.case.split(',');
  const result = await runCase(client, direction, Number(mib));
  process.stdout.write('STREAM_RESULT ' + JSON.stringify(result) + '\n');
  process.exit(0);
}

// ---- runner ----
const sizes = (args.sizes ?? '256,1024').split(',').map(Number);
const malloc = allocatorMode();
const env = caseEnv(malloc);
const rounds = Number(args.rounds ?? 3);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
function child(client, direction, mib) {
  return new Promise((resolve, reject) => {
    const [command, argv] = nodeOn(CLIENT_CPU, [new URL(import.meta.url).pathname, `--case=${client},${direction},${mib}`]);
    const p = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    p.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('STREAM_RESULT '));
      if (code !== 0 || !line) reject(new Error(`case ${client} ${direction} ${mib} failed (${code})\n${out}`));
      else resolve(JSON.parse(line.slice('STREAM_RESULT '.length)));
    });
  });
}
const results = {};
for (let round = 0; round < rounds; round++) {
  for (const direction of ['upload', 'download']) {
    for (const mib of sizes) {
      const order = round % 2 ? ['rxws', 'ws'] : ['ws', 'rxws'];
      for (const client of order) {
        const r = await child(client, direction, mib);
        ((results[`${direction} ${mib}`] ??= {})[client] ??= []).push(r);
        console.error(`round ${round + 1}: ${client.padEnd(4)} ${direction.padEnd(8)} ${String(mib).padStart(5)} MiB  ${r.mbPerSec.toFixed(0).padStart(5)} MB/s  peak RSS ${r.peakRssMiB.toFixed(0)} MiB`);
      }
    }
  }
}
console.log(`\n| direction | size | ws createWebSocketStream MB/s | rxws MB/s | rxws / ws | ws CPU ms/MiB | rxws CPU ms/MiB | ws peak RSS | rxws peak RSS |`);
console.log(`|---|---:|---:|---:|---:|---:|---:|---:|---:|`);
for (const [key, byClient] of Object.entries(results)) {
  const [direction, mib] = key.split(' ');
  const ws = median(byClient.ws.map((r) => r.mbPerSec));
  const rx = median(byClient.rxws.map((r) => r.mbPerSec));
  const ratio = median(byClient.rxws.map((r, i) => r.mbPerSec / byClient.ws[i].mbPerSec));
  const wsCpu = median(byClient.ws.map((r) => r.cpuMsPerMiB));
  const rxCpu = median(byClient.rxws.map((r) => r.cpuMsPerMiB));
  const wsRss = median(byClient.ws.map((r) => r.peakRssMiB));
  const rxRss = median(byClient.rxws.map((r) => r.peakRssMiB));
  console.log(`| ${direction} | ${mib} MiB | ${ws.toFixed(0)} | ${rx.toFixed(0)} | ${ratio.toFixed(2)}x | ${wsCpu.toFixed(2)} | ${rxCpu.toFixed(2)} | ${wsRss.toFixed(0)} MiB | ${rxRss.toFixed(0)} MiB |`);
}
console.log(`\n(medians of ${rounds} rounds; MB = MiB; allocator: ${describeAllocator(malloc)}; ${pinning() ? `client on CPU ${CLIENT_CPU}, server on CPU ${SERVER_CPU}` : 'processes not pinned'}; target: rxws ≥ 0.9x ws, and peak RSS flat in the size)`);
