// Fan-out to many topics over one socket: `npm run bench:topics` (builds first) or
// `node bench/fanout-topics.mjs [--topics=1000] [--rounds=3] [--duration=2000] [--warmup=500]`.
//
// A server process streams `{"topic":"t<k>","data":n}` to one connection as fast as the socket
// takes it (k cycling over the topics). The client (this process) subscribes once per topic and
// counts what each subscriber receives, three ways over the same subject and JSON deserializer:
//   channel    channel(socket, key, { topicOf }) : one map lookup per message
//   multiplex  multiplex(socket, sub, unsub, m => m.topic === key) : one predicate per topic and message
//   filter     socket.pipe(filter(m => m.topic === key)) : a plain subscriber per topic (rxjs's way)
// Rounds interleave the modes; each figure is the median. msg/s counts messages received (each
// reaches exactly one topic's subscriber; the run checks that).
// BENCH_RXWS_DIST=path/to/index.js benchmarks another build (e.g. one built to a temp dir).
import { fork } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { cpuUsage } from 'node:process';

if (process.argv[2] === '--server') {
  const { WebSocketServer } = await import('ws');
  const topics = Number(process.argv[3]);
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('listening', () => process.send({ port: wss.address().port }));
  const frames = Array.from({ length: topics }, (_, k) => `{"topic":"t${k}","data":`);
  wss.on('connection', (ws) => {
    let n = 0;
    let running = false;
    ws.on('close', () => (running = false));
    const pump = () => {
      if (!running) return;
      for (let i = 0; i < 2048 && ws.bufferedAmount < 1 << 20; i++, n++) ws.send(frames[n % topics] + n + '}');
      setImmediate(pump);
    };
    ws.on('message', (data) => {
      if (String(data) !== 'go' || running) return; // the client says 'go' once subscribed
      running = true;
      pump();
    });
  });
} else {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  const TOPICS = Number(args.topics ?? 1000);
  const ROUNDS = Number(args.rounds ?? 3);
  const DURATION = Number(args.duration ?? 2000);
  const WARMUP = Number(args.warmup ?? 500);
  const entry = process.env.BENCH_RXWS_DIST ? pathToFileURL(process.env.BENCH_RXWS_DIST).href : new URL('../dist/esm/index.js', import.meta.url).href;
  const rxws = await import(entry);
  const { webSocket } = rxws;
  const { filter } = await import('rxjs');

  const server = fork(new URL(import.meta.url).pathname, ['--server', String(TOPICS)], { stdio: 'inherit' });
  const port = await new Promise((resolve) => server.once('message', (m) => resolve(m.port)));
  const url = `ws://127.0.0.1:${port}`;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  const modes = {
    channel(socket, counts) {
      const options = { topicOf: (m) => m.topic };
      return Array.from({ length: TOPICS }, (_, k) => rxws.channel(socket, `t${k}`, options).subscribe(() => counts[k]++));
    },
    multiplex(socket, counts) {
      return Array.from({ length: TOPICS }, (_, k) => {
        const key = `t${k}`;
        return rxws.multiplex(socket, () => 'sub', () => 'unsub', (m) => m.topic === key).subscribe(() => counts[k]++);
      });
    },
    filter(socket, counts) {
      return Array.from({ length: TOPICS }, (_, k) => {
        const key = `t${k}`;
        return socket.pipe(filter((m) => m.topic === key)).subscribe(() => counts[k]++);
      });
    },
  };

  async function measure(mode) {
    const socket = webSocket({ url, serializer: (v) => v });
    const counts = new Array(TOPICS).fill(0);
    let received = 0;
    const tap = socket.message$.subscribe(() => received++);
    const subscriptions = modes[mode](socket, counts);
    await new Promise((resolve) => {
      const s = socket.state$.subscribe((state) => state === 'open' && (resolve(), queueMicrotask(() => s.unsubscribe())));
    });
    socket.next('go');
    await sleep(WARMUP);
    const r0 = received;
    const c0 = cpuUsage();
    const t0 = performance.now();
    await sleep(DURATION);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuUsage(c0);
    const n = received - r0;
    const delivered = counts.reduce((a, b) => a + b, 0);
    for (const s of subscriptions) s.unsubscribe();
    tap.unsubscribe();
    if (delivered !== received) throw new Error(`${mode}: ${received} messages received but ${delivered} delivered to topics`);
    await sleep(100);
    return { msgPerSec: n / seconds, cpuUsPerMsg: ((cpu.user + cpu.system) / n) };
  }

  const results = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
  const names = Object.keys(modes);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < names.length; i++) {
      const mode = names[(i + round) % names.length];
      results[mode].push(await measure(mode));
    }
  }
  server.kill();
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(results.filter.map((r) => r.msgPerSec));
  console.log(`fan-out to ${TOPICS} topics over one socket (${ROUNDS} rounds × ${DURATION} ms, median)`);
  console.log('| mode | msg/s | client CPU µs/msg | vs filter() |');
  console.log('|---|---:|---:|---:|');
  for (const mode of names) {
    const rate = median(results[mode].map((r) => r.msgPerSec));
    const cpu = median(results[mode].map((r) => r.cpuUsPerMsg));
    console.log(`| ${mode} | ${Math.round(rate).toLocaleString('en-US')} | ${cpu.toFixed(2)} | ${(rate / base).toFixed(2)}x |`);
  }
}
