// Resumable sessions vs plain webSocket(): `npm run bench:session` (builds first) or
// `node bench/session.mjs [--rounds=5] [--duration=2000] [--warmup=500] [--size=64] [--window=4] [--batch=500]
// [--modes=plain,memory,redis] [--directions=down,up]`.
//
// One server process (a `ws` WebSocketServer, as users run) serves both kinds of connection with
// the same application protocol: plain connections directly, session connections through
// acceptSessions() (memory store, and a Redis store when `redis-server` and `ioredis` are here).
// Both coalesce the writes of a tick (acceptSessions does it by itself; the plain handler corks
// the same way), so the rows differ by the session's own work.
// The client (this process) uses rxws's webSocket(), plain or with `session: resumable()`.
//   down  the client asks for batches of `batch` messages of `size` bytes of JSON, keeping
//         `window` batches in flight; the server sends them (server → client throughput)
//   up    the client sends batches of `batch` messages; the server answers each full batch with
//         one message, and the client keeps `window` batches in flight (client → server)
// Figures per mode: msg/s (median of the rounds, modes interleaved), the client's and the
// server's CPU µs per message, and the bytes on the wire per message (both directions, frame
// headers, envelopes and acknowledgements included: the TCP bytes the server's socket read and
// wrote, divided by the messages).
// BENCH_RXWS_DIST=path/to/dist/esm benchmarks another build; BENCH_PROF=dir writes the server processes' CPU profiles (--cpu-prof) there.
import { fork, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuUsage } from 'node:process';
import { opened } from './opened.mjs';

const dist = process.env.BENCH_RXWS_DIST ?? new URL('../dist/esm', import.meta.url).pathname;
const load = (path) => import(pathToFileURL(join(dist, path)).href);

if (process.argv[2] === '--server') {
  const { WebSocketServer } = await import('ws');
  const { acceptSessions, memorySessionStore } = await load('node/index.js');
  const storeKind = process.argv[3];
  let store = memorySessionStore();
  let redis;
  if (storeKind === 'redis') {
    const { redisSessionStore } = await load('node/redis/index.js');
    const { Redis } = await import('ioredis');
    redis = new Redis({ port: Number(process.argv[4]), host: '127.0.0.1', lazyConnect: false });
    store = redisSessionStore({ client: redis });
  }
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: acceptSessions.handleProtocols });
  wss.on('listening', () => process.send({ port: wss.address().port }));
  let payload = '';
  const counters = { bytesRead: 0, bytesWritten: 0, messages: 0 };
  const sockets = new Set();
  // The application: the same for both kinds of connection.
  const serve = (send) => {
    let got = 0;
    return (message) => {
      if (message.more !== undefined) {
        for (let i = 0; i < message.more; i++) send(payload);
        counters.messages += message.more;
      } else if (message.up !== undefined) {
        counters.messages++;
        if (++got % message.batch === 0) send({ got });
      }
    };
  };
  process.on('message', async (m) => {
    if (m.exit) {
      await redis?.quit(); // before the bench stops redis-server
      process.exit(0); // (so that --cpu-prof writes its profile)
    }
    if (m.size !== undefined) payload = { data: 'x'.repeat(Math.max(0, m.size - 11)) };
    if (m.reset) {
      for (const socket of sockets) {
        socket.r0 = socket.bytesRead;
        socket.w0 = socket.bytesWritten;
      }
      counters.messages = 0;
      process.send({ cpu: process.cpuUsage() });
    }
    if (m.report) {
      let bytes = 0;
      for (const socket of sockets) bytes += socket.bytesRead - (socket.r0 ?? 0) + socket.bytesWritten - (socket.w0 ?? 0);
      process.send({ cpu: process.cpuUsage(), bytes, messages: counters.messages });
    }
  });
  wss.on('connection', (ws, request) => {
    const tcp = request.socket; // its byte counters
    sockets.add(tcp);
    ws.on('close', () => sockets.delete(tcp));
    if (ws.protocol !== '') return; // a session connection: acceptSessions takes it
    // Plain connections coalesce a tick's writes as acceptSessions' connections do (corked at the
    // first send, uncorked on nextTick), so the rows differ by the session's own work only.
    let corked = false;
    const uncork = () => {
      corked = false;
      tcp.uncork();
    };
    const handle = serve((value) => {
      if (!corked) {
        corked = true;
        tcp.cork();
        process.nextTick(uncork);
      }
      ws.send(JSON.stringify(value));
    });
    ws.on('message', (data) => handle(JSON.parse(data)));
  });
  acceptSessions(wss, { store }).subscribe((session) => {
    const handle = serve((value) => session.next(value));
    session.subscribe(handle);
  });
} else {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  const ROUNDS = Number(args.rounds ?? 5);
  const DURATION = Number(args.duration ?? 2000);
  const WARMUP = Number(args.warmup ?? 500);
  const SIZE = Number(args.size ?? 64);
  const WINDOW = Number(args.window ?? 4);
  const BATCH = Number(args.batch ?? 500);
  const { webSocket } = await load('index.js');
  const { resumable } = await load('session/index.js');
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // Redis, where it can run: a server of our own on a free loopback port.
  let redisServer;
  let redisPort;
  let redisDir;
  try {
    await load('node/redis/index.js');
    await import('ioredis');
    redisPort = await new Promise((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address();
        probe.close(() => resolve(port));
      });
    });
    redisDir = mkdtempSync(join(tmpdir(), 'rxws-bench-redis-'));
    redisServer = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], { stdio: 'ignore' });
    await new Promise((resolve, reject) => {
      redisServer.once('error', reject);
      redisServer.once('spawn', resolve);
    });
    const { Redis } = await import('ioredis');
    const ping = new Redis({ port: redisPort, host: '127.0.0.1', retryStrategy: (n) => (n > 100 ? null : 20) });
    ping.on('error', () => undefined); // refused until redis-server listens: retried
    await ping.ping();
    ping.disconnect();
  } catch (error) {
    console.log(`(no Redis store row: ${error.message.split('\n')[0]})`);
    redisServer?.kill();
    redisServer = undefined;
  }

  async function startServer(storeKind) {
    const server = fork(new URL(import.meta.url).pathname, ['--server', storeKind, String(redisPort ?? 0)], { stdio: 'inherit', execArgv: process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROF] : [] });
    const port = await new Promise((resolve) => server.once('message', (m) => resolve(m.port)));
    server.send({ size: SIZE });
    const ask = (message) =>
      new Promise((resolve) => {
        server.once('message', resolve);
        server.send(message);
      });
    return { server, url: `ws://127.0.0.1:${port}`, ask };
  }

  const servers = { memory: await startServer('memory') };
  if (redisServer) servers.redis = await startServer('redis');
  const modes = { plain: { server: 'memory', session: false }, 'session (memory store)': { server: 'memory', session: true } };
  if (redisServer) modes['session (Redis store)'] = { server: 'redis', session: true };

  async function measure(name, direction) {
    const { server, session } = modes[name];
    const { url, ask } = servers[server];
    const socket = webSocket(session ? { url, session: resumable() } : url);
    let received = 0;
    let stop = false;
    const inFlight = { n: 0 };
    const request = () => {
      if (stop) return;
      inFlight.n++;
      if (direction === 'down') socket.next({ more: BATCH });
      else for (let i = 0; i < BATCH; i++) socket.next({ up: i, batch: BATCH });
    };
    let batchCount = 0;
    const subscription = socket.subscribe((message) => {
      if (direction === 'down') {
        received++;
        if (++batchCount === BATCH) {
          batchCount = 0;
          inFlight.n--;
          request();
        }
      } else {
        received += BATCH;
        inFlight.n--;
        request();
      }
    });
    await opened(socket, session);
    for (let i = 0; i < WINDOW; i++) request();
    await sleep(WARMUP);
    const serverStart = (await ask({ reset: true })).cpu;
    const r0 = received;
    const c0 = cpuUsage();
    const t0 = performance.now();
    await sleep(DURATION);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuUsage(c0);
    const n = received - r0;
    const report = await ask({ report: true });
    stop = true;
    subscription.unsubscribe();
    await sleep(50);
    const serverCpu = report.cpu.user - serverStart.user + report.cpu.system - serverStart.system;
    return { msgPerSec: n / seconds, clientCpu: (cpu.user + cpu.system) / n, serverCpu: serverCpu / report.messages, bytes: report.bytes / report.messages };
  }

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // --modes=plain,memory,redis and --directions=down,up pick rows (default: all), e.g. to profile one.
  const wanted = (args.modes ?? 'plain,memory,redis').split(',');
  const names = Object.keys(modes).filter((name) => wanted.some((w) => name === w || name.toLowerCase().includes(`${w} store`)));
  console.log(`resumable sessions vs plain webSocket(), against a ws server; ${SIZE}-byte JSON messages, batches of ${BATCH}, ${WINDOW} in flight (${ROUNDS} rounds × ${DURATION} ms, median)`);
  for (const direction of (args.directions ?? 'down,up').split(',')) {
    const results = Object.fromEntries(names.map((m) => [m, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length];
        results[name].push(await measure(name, direction));
      }
    }
    const base = results.plain ? median(results.plain.map((r) => r.msgPerSec)) : NaN;
    console.log(`\n${direction === 'down' ? 'server → client' : 'client → server'}`);
    console.log('| mode | msg/s | vs plain | client CPU µs/msg | server CPU µs/msg | wire bytes/msg |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const name of names) {
      const rows = results[name];
      const rate = median(rows.map((r) => r.msgPerSec));
      console.log(
        `| ${name} | ${Math.round(rate).toLocaleString('en-US')} | ${(rate / base).toFixed(2)}x | ${median(rows.map((r) => r.clientCpu)).toFixed(2)} | ${median(rows.map((r) => r.serverCpu)).toFixed(2)} | ${median(rows.map((r) => r.bytes)).toFixed(1)} |`,
      );
    }
  }
  await Promise.all(
    Object.values(servers).map(({ server }) => {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.send({ exit: true });
      return exited;
    }),
  );
  redisServer?.kill();
  if (redisDir) rmSync(redisDir, { recursive: true, force: true });
}
