// The ESM and CommonJS builds loaded in one process recognise each other's objects (issue #16):
// brands through Symbol.for, not instanceof. Runs the built package (`npm test` builds first)
// in a child process that loads both, against a real `ws` server on 127.0.0.1.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..');
const run = promisify(execFile);

const script = `
import { createRequire } from 'node:module';
import { WebSocketServer } from 'ws';
const require = createRequire(import.meta.url);
const esm = await import(${JSON.stringify(join(root, 'dist', 'esm', 'index.js'))});
const cjs = require(${JSON.stringify(join(root, 'dist', 'cjs', 'index.js'))});
const out = {};
out.errorInstanceof = new cjs.WebSocketCloseError({ code: 1011 }) instanceof esm.WebSocketCloseError
  && new esm.WebSocketCloseError({ code: 1011 }) instanceof cjs.WebSocketCloseError;
out.plainErrorIsNot = new Error('x') instanceof esm.WebSocketCloseError;
const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await new Promise((r) => server.once('listening', r));
let connections = 0;
server.on('connection', (ws) => {
  connections++;
  ws.on('message', (data) => ws.send(String(data)));
  if (connections === 1) setTimeout(() => ws.terminate(), 20); // the first connection drops
});
const url = 'ws://127.0.0.1:' + server.address().port;
const subject = cjs.webSocket(url);                 // made by the CommonJS build
const states = [];
subject.state$.subscribe((s) => states.push(s));
const topic$ = esm.multiplex(subject, () => ({ sub: 'a' }), () => ({ unsub: 'a' }), (m) => m.sub === 'a'); // the ESM build's function
out.subjectOf = esm.subjectOf(topic$) === subject;
const values = [];
const sub = topic$.pipe(esm.reconnect({ initialDelay: 10, maxDelay: 20 })).subscribe((v) => values.push(v)); // the ESM build's operator
await new Promise((resolve) => { const t = setInterval(() => { if (values.length >= 2) { clearInterval(t); resolve(); } }, 5); });
out.reconnectedThroughTheSubject = states.includes('reconnecting') && connections === 2;
out.writable = await new Promise((resolve) => esm.writableOf(subject).subscribe(resolve));
sub.unsubscribe();
server.close();
for (const c of server.clients) c.terminate();
console.log(JSON.stringify(out));
`;

test("a subject, an error and a derived stream of one build work with the other build's functions and operators", async () => {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root, timeout: 60_000 });
  expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({
    errorInstanceof: true,
    plainErrorIsNot: false,
    subjectOf: true,
    reconnectedThroughTheSubject: true,
    writable: true,
  });
});
