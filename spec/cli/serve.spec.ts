// `rxws serve` as a real process, with real `ws` clients (and `rxws connect`): modes, faults, log,
// signals.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { WebSocket as WsClient } from 'ws';
import { run, rxws, serveCommand, until } from './run.js';

const clients: WsClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.terminate();
});

/** A `ws` client of `url`, open, collecting what it receives. */
async function client(url: string): Promise<{ ws: WsClient; received: string[]; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WsClient(url);
  clients.push(ws);
  const received: string[] = [];
  ws.on('message', (data, isBinary) => received.push(isBinary ? `0x${Buffer.from(data as Buffer).toString('hex')}` : String(data)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, received, closed };
}

describe('rxws serve', () => {
  it('prints its port first, echoes text and binary by default, logs connections, messages and closes; SIGTERM closes every client with 1001 and exits 0', async () => {
    const server = await serveCommand();
    const a = await client(`${server.url}/room?x=1`);
    a.ws.send('hello');
    a.ws.send(Buffer.from([1, 2, 3]));
    await until(() => a.received.length === 2, 'the echoes');
    expect(a.received).toEqual(['hello', '0x010203']);
    await until(() => server.stderr.includes('#1 → [binary 3 B]'), 'the log');
    expect(server.stderr).toMatch(/listening on ws:\/\/127\.0\.0\.1:\d+ \(echo\)\n\+ #1 \/room\?x=1\n#1 → hello\n#1 → \[binary 3 B\]/);
    server.child.kill('SIGTERM');
    expect(await a.closed).toEqual({ code: 1001, reason: 'Going Away' });
    expect(await server.exited).toBe(0);
    expect(server.stderr).toMatch(/SIGTERM: closing \(1001 to every client\)/);
  });

  it('--broadcast sends each message to every connection', async () => {
    const server = await serveCommand('--broadcast');
    const [a, b] = [await client(server.url), await client(server.url)];
    a.ws.send('to all');
    await until(() => a.received.length === 1 && b.received.length === 1, 'both copies');
    expect([a.received, b.received]).toEqual([['to all'], ['to all']]);
  });

  it('--script answers with the module\'s handler (the test kit\'s reply shape), --json decoding and encoding', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rxws-cli-'));
    const script = join(dir, 'reply.mjs');
    writeFileSync(script, 'export default (message, connection) => (message.type === "ping" ? { type: "pong", n: message.n, on: connection.id } : undefined);\n');
    const server = await serveCommand('--script', script, '--json');
    const a = await client(server.url);
    a.ws.send(JSON.stringify({ type: 'ping', n: 7 }));
    a.ws.send(JSON.stringify({ type: 'other' }));
    a.ws.send(JSON.stringify({ type: 'ping', n: 8 }));
    await until(() => a.received.length === 2, 'the replies');
    expect(a.received.map((m) => JSON.parse(m))).toEqual([{ type: 'pong', n: 7, on: 1 }, { type: 'pong', n: 8, on: 1 }]);
  });

  it('--refuse n answers the first n handshakes with 503 and Retry-After', async () => {
    const server = await serveCommand('--refuse', '2');
    const refusal = (): Promise<IncomingMessage> =>
      new Promise((resolve, reject) => {
        const ws = new WsClient(server.url);
        ws.on('error', () => undefined); // (terminate() below, before the handshake completed)
        ws.once('unexpected-response', (_request, response) => {
          resolve(response);
          ws.terminate();
        });
        ws.once('open', () => reject(new Error('accepted')));
      });
    for (let i = 0; i < 2; i++) {
      const response = await refusal();
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
    }
    const third = await client(server.url);
    third.ws.send('in');
    await until(() => third.received.length === 1, 'the echo');
  });

  it('--refuse with rxws connect --reconnect: the client waits as Retry-After says, then connects', async () => {
    const server = await serveCommand('--refuse', '1');
    const connect = rxws('connect', server.url, '--reconnect', '--initial-delay', '20');
    await until(() => /^open /m.test(connect.stderr), 'the connection after the refusal', 20_000);
    expect(connect.stderr).toMatch(/reconnecting in 1000 ms after .*503.*\(as the server asked: Retry-After\)/);
    connect.child.stdin.end();
    expect(await connect.exited).toBe(0);
  });

  it('--drop-every n drops the connection (no close frame) at every n-th message', async () => {
    const server = await serveCommand('--drop-every', '3');
    const a = await client(server.url);
    for (const m of ['1', '2', '3', '4']) a.ws.send(m);
    expect((await a.closed).code).toBe(1006);
    expect(a.received).toEqual(['1', '2']);
    await until(() => server.stderr.includes('#1 dropped (message 3)'), 'the log');
  });

  it('--stall-after n stops reading and answering after the n-th message', async () => {
    const server = await serveCommand('--stall-after', '2');
    const a = await client(server.url);
    for (const m of ['1', '2', '3']) a.ws.send(m);
    await until(() => server.stderr.includes('#1 stalled after 2 messages'), 'the stall');
    a.ws.ping();
    await until(() => a.received.length >= 1, 'the first echo');
    expect(a.received).toEqual(['1']); // nothing after the stall, not even a pong (checked below)
    let ponged = false;
    a.ws.once('pong', () => (ponged = true));
    a.ws.send('4');
    // The server answers a second client at once: the stalled one got nothing meanwhile.
    const b = await client(server.url);
    b.ws.send('other');
    await until(() => b.received.length === 1, "the other client's echo");
    expect(a.received).toEqual(['1']);
    expect(ponged).toBe(false);
  });

  it('--latency answers each message that much later, in order', async () => {
    const server = await serveCommand('--latency', '30');
    const a = await client(server.url);
    for (const m of ['a', 'b', 'c']) a.ws.send(m);
    await until(() => a.received.length === 3, 'the echoes');
    expect(a.received).toEqual(['a', 'b', 'c']);
  });

  it('--restart-every closes every client with 1012 and listens again on the same port; rxws connect --reconnect follows', async () => {
    const server = await serveCommand('--restart-every', '300');
    const connect = rxws('connect', server.url, '--reconnect', '--initial-delay', '20');
    await until(() => (connect.stderr.match(/^open /gm) ?? []).length >= 2, 'a reconnection after the restart');
    expect(connect.stderr).toMatch(/closed \(1012 "Service Restart"\)\nreconnecting in \d+ ms after 1012 "Service Restart"/);
    connect.child.stdin.end();
    expect(await connect.exited).toBe(0);
  });

  it('bad usage: exit 2 with one line', async () => {
    for (const args of [['serve', 'extra'], ['serve', '--echo', '--broadcast'], ['serve', '--port', '70000'], ['serve', '--drop-every', '0'], ['serve', '--script', '/no/such.mjs']]) {
      const { code, stderr } = await run('', ...args);
      expect([args, code]).toEqual([args, 2]);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
