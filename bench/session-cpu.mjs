// The CPU each side of a session spends per message, one side at a time: `npm run build && node bench/session-cpu.mjs
// [--side=client,server] [--directions=down,up] [--modes=plain,session] [--stat=median|min] [--rounds=5] [--messages=200000] [--size=64] [--batch=500] [--window=4]`.
//
// bench/session.mjs measures throughput with rxws at both ends, so each figure mixes both sides
// and moves with whatever else the machine does. This one puts rxws at one end only, and a lean
// peer at the other (`ws` with hand-made frames, precomputed where it can be), so the side
// measured is the busier one and its CPU per message (process.cpuUsage(), user + system) is
// its own: the figure to compare when changing the session's hot paths (plain and session
// rows in one run; the ratio is what to watch).
//   --side=server  rxws's acceptSessions() (memory store) or a plain `ws` handler, as in
//                  bench/session.mjs, in a child process; this process is the lean client
//   --side=client  rxws's webSocket() (plain, or with resumable()) in this process; the child is
//                  a lean `ws` server
// BENCH_RXWS_DIST=path/to/dist/esm measures another build; BENCH_PROF=dir writes the child's CPU profile there.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuUsage } from 'node:process';
import { opened } from './opened.mjs';
import { WebSocket, WebSocketServer } from 'ws';

const dist = process.env.BENCH_RXWS_DIST ?? new URL('../dist/esm', import.meta.url).pathname;
const load = (path) => import(pathToFileURL(join(dist, path)).href);
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const SIZE = Number(args.size ?? 64);
const BATCH = Number(args.batch ?? 500);
const WINDOW = Number(args.window ?? 4);
const payload = { data: 'x'.repeat(Math.max(0, SIZE - 11)) };
const payloadText = JSON.stringify(payload);

// The lean peers write a tick's frames in one write, as rxws does (otherwise the side measured pays for one read per frame).
const corked = (ws) => {
  const tcp = ws._socket;
  if (tcp.writableCorked) return;
  tcp.cork();
  process.nextTick(() => tcp.uncork());
};

if (process.argv[2] === '--lean-server') {
  // The lean peer of --side=client: speaks just enough of rxws.session.v1 (docs/session-protocol.md).
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (protocols) => (protocols.has('rxws.session.v1') ? 'rxws.session.v1' : false) });
  wss.on('listening', () => process.send({ port: wss.address().port }));
  wss.on('connection', (ws) => {
    const session = ws.protocol !== '';
    let sent = 0;
    let received = 0;
    let got = 0;
    const plainFrame = payloadText;
    ws.on('message', (data, isBinary) => {
      let text = data.toString();
      if (session) {
        if (text[0] === 'H') return ws.send(`W${JSON.stringify({ session: 'a'.repeat(22), kind: 'new', received: 0 })}`);
        if (text[0] === 'A') return;
        const second = text.indexOf(':', text.indexOf(':') + 1);
        received++;
        if (text[0] === 'D') text = text.slice(second + 1);
      }
      const message = JSON.parse(text);
      if (message.more !== undefined) {
        corked(ws);
        for (let i = 0; i < message.more; i++) ws.send(session ? `D${++sent}:${received}:${payloadText}` : plainFrame);
      } else if (message.up !== undefined && ++got % message.batch === 0) {
        ws.send(session ? `D${++sent}:${received}:${JSON.stringify({ got })}` : JSON.stringify({ got }));
      } else if (session && received % 100 === 0) ws.send(`A${received}`);
    });
  });
} else {
  const ROUNDS = Number(args.rounds ?? 5);
  const MESSAGES = Number(args.messages ?? 200_000);
  // --stat=min: the least CPU of the rounds (steadier than the median when comparing builds on a busy machine).
  const median = args.stat === 'min' ? (xs) => Math.min(...xs) : (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const start = async (file, argv) => {
    const child = fork(file, argv, { stdio: 'inherit', execArgv: process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-interval=50', '--cpu-prof-dir=' + process.env.BENCH_PROF] : [] });
    const port = await new Promise((resolve) => child.once('message', (m) => resolve(m.port)));
    const ask = (message) =>
      new Promise((resolve) => {
        child.once('message', resolve);
        child.send(message);
      });
    return { child, url: `ws://127.0.0.1:${port}`, ask };
  };

  // rxws at the client: returns µs of this process's CPU per message.
  async function clientRun(url, session, direction) {
    const { webSocket } = await load('index.js');
    const { resumable } = await load('session/index.js');
    const socket = webSocket(session ? { url, session: resumable() } : url);
    let received = 0;
    let inBatch = 0;
    let stop = false;
    const request = () => {
      if (stop) return;
      if (direction === 'down') socket.next({ more: BATCH });
      else for (let i = 0; i < BATCH; i++) socket.next({ up: i, batch: BATCH });
    };
    let done;
    const finished = new Promise((resolve) => (done = resolve));
    let c0;
    const warmup = Math.min(MESSAGES / 4, 50_000);
    const subscription = socket.subscribe(() => {
      received += direction === 'down' ? 1 : BATCH;
      if (received === warmup) c0 = cpuUsage();
      if (received >= MESSAGES + warmup) {
        stop = true;
        done(cpuUsage(c0));
      }
      if (direction === 'up' || ++inBatch === BATCH) {
        inBatch = 0;
        request();
      }
    });
    await opened(socket, session);
    for (let i = 0; i < WINDOW; i++) request();
    const cpu = await finished;
    subscription.unsubscribe();
    return (cpu.user + cpu.system) / (received - warmup);
  }

  // rxws at the server (bench/session.mjs --server): returns µs of the server's CPU per message.
  async function serverRun(server, session, direction) {
    const ws = new WebSocket(server.url, session ? ['rxws.session.v1'] : []);
    let sent = 0;
    let received = 0;
    const frame = (value) => (session ? `D${++sent}:${received}:${JSON.stringify(value)}` : JSON.stringify(value));
    const more = session ? null : frame({ more: BATCH });
    const upFrames = session ? null : Array.from({ length: BATCH }, (_, i) => frame({ up: i, batch: BATCH }));
    let count = 0;
    let stop = false;
    let done;
    const finished = new Promise((resolve) => (done = resolve));
    let start;
    const warmup = Math.min(MESSAGES / 4, 50_000);
    const request = () => {
      if (stop) return;
      corked(ws);
      if (direction === 'down') ws.send(more ?? frame({ more: BATCH }));
      else for (let i = 0; i < BATCH; i++) ws.send(upFrames?.[i] ?? frame({ up: i, batch: BATCH }));
    };
    let inBatch = 0;
    const ready = new Promise((resolve) => {
      ws.on('message', (data) => {
        const text = data.toString();
        if (session) {
          if (text[0] === 'W') return resolve();
          if (text[0] === 'A') return;
          received++;
          if (received % 100 === 0) ws.send(`A${received}`);
        }
        count += direction === 'down' ? 1 : BATCH;
        if (count === warmup) start = server.ask({ reset: true });
        if (count >= MESSAGES + warmup && !stop) {
          stop = true;
          done();
        }
        if (direction === 'up' || ++inBatch === BATCH) {
          inBatch = 0;
          request();
        }
      });
      ws.on('open', () => {
        if (session) ws.send(`H${JSON.stringify({ session: null, received: 0 })}`);
        else resolve();
      });
    });
    await ready;
    for (let i = 0; i < WINDOW; i++) request();
    await finished;
    const { cpu: c0 } = await start;
    const report = await server.ask({ report: true });
    ws.close();
    return (report.cpu.user - c0.user + report.cpu.system - c0.system) / report.messages;
  }

  console.log(`CPU µs per message, rxws at one end and a lean ws peer at the other; ${SIZE}-byte JSON messages, batches of ${BATCH}, ${WINDOW} in flight (${ROUNDS} rounds × ${MESSAGES} messages, median)`);
  console.log('| side | direction | plain | session | session/plain |');
  console.log('|---|---|---:|---:|---:|');
  for (const side of (args.side ?? 'client,server').split(',')) {
    const peer =
      side === 'client'
        ? await start(new URL(import.meta.url).pathname, ['--lean-server'])
        : await start(new URL('./session.mjs', import.meta.url).pathname, ['--server', 'memory', '0']);
    if (side === 'server') peer.child.send({ size: SIZE });
    for (const direction of (args.directions ?? 'down,up').split(',')) {
      const rows = { plain: [], session: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const mode of (round % 2 ? ['session', 'plain'] : ['plain', 'session']).filter((m) => (args.modes ?? 'plain,session').includes(m))) {
          const session = mode === 'session';
          rows[mode].push(side === 'client' ? await clientRun(peer.url, session, direction) : await serverRun(peer, session, direction));
        }
      }
      const plain = median(rows.plain);
      const session = median(rows.session);
      const f = (x) => (x === undefined ? '' : x.toFixed(2));
      console.log(`| ${side} | ${direction} | ${f(plain)} | ${f(session)} | ${f(session / plain)}x |`);
    }
    const exited = new Promise((resolve) => peer.child.once('exit', resolve));
    if (side === 'server') peer.child.send({ exit: true });
    else peer.child.kill();
    await exited;
  }
  process.exit(0);
}
