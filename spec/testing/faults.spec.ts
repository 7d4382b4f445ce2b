import { createServer } from 'node:net';
import { WebSocket as UndiciWebSocket } from 'undici';
import { createTestServer, frames, buildFrame, useTestServers } from 'rxws/testing';
import { closeOf, closeWs, failureOf, openWs, WsClient } from './clients.js';
import { until, untilSteady } from '../helpers/client.js';

useTestServers({ onLeak: 'throw' });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('fault injection', () => {
  it('drop() destroys the TCP socket without a close frame: the client sees 1006', async () => {
    const server = await createTestServer();
    const ws = await openWs(server.url);
    const undici = new UndiciWebSocket(server.url);
    const [raw, u] = [await server.nextConnection(), await server.nextConnection()];
    const undiciClosed = new Promise<{ code: number; wasClean: boolean }>((resolve) =>
      undici.addEventListener('close', (e) => resolve({ code: e.code, wasClean: e.wasClean })),
    );
    const closed = closeOf(ws);
    raw.drop();
    u.drop();
    expect(await closed).toEqual({ code: 1006, reason: '' });
    expect(await undiciClosed).toEqual({ code: 1006, wasClean: false });
    expect(await raw.closed).toEqual({ code: 1006, reason: '', wasClean: false });
  });

  it('drop({ reset: true }) sends a TCP reset', async () => {
    const server = await createTestServer();
    const ws = await openWs(server.url);
    const connection = await server.nextConnection();
    const closed = closeOf(ws);
    connection.drop({ reset: true });
    expect((await closed).code).toBe(1006);
    expect(connection.transcript.map((e) => e.kind)).toContain('drop (RST)');
  });

  it('stall() stops reading and answering pings: the client gets no pong, and nothing is sent', async () => {
    const server = await createTestServer();
    const ws = await openWs(server.url);
    const connection = await server.nextConnection();
    let pongs = 0;
    ws.on('pong', () => pongs++);
    ws.ping();
    await until(() => pongs === 1, 5000, 'the pong');
    expect(pongs).toBe(1);

    connection.stall();
    expect(connection.isStalled).toBe(true);
    expect(connection.isReading).toBe(false);
    const received: string[] = [];
    ws.on('message', (d) => received.push(d.toString()));
    ws.ping();
    ws.send('into the void');
    connection.send('suppressed');
    server.send('suppressed too');
    await sleep(100); // a quiet window is the behaviour under test: a stalled connection answers and sends nothing
    expect(pongs).toBe(1);
    expect(received).toEqual([]);
    expect(connection.messages).toEqual([]);
    expect(ws.readyState).toBe(WsClient.OPEN); // the TCP connection is still up: half-open

    connection.resumeReading();
    await expect(connection.nextMessage()).resolves.toBe('into the void');
    await until(() => pongs === 2, 5000, 'the second pong');
    expect(pongs).toBe(2);
    await closeWs(ws);
  });

  it('stopReading() makes the client back up: bufferedAmount grows, and resumes after resumeReading()', async () => {
    const server = await createTestServer();
    const ws = await openWs(server.url);
    const connection = await server.nextConnection();
    connection.stopReading();
    const chunk = new Uint8Array(256 * 1024);
    for (let i = 0; i < 64; i++) ws.send(chunk); // 16 MiB: more than the kernel buffers hold
    await untilSteady(() => [ws.bufferedAmount], 200, 10_000, 'the client to back up'); // the kernel buffers are full
    const backedUp = ws.bufferedAmount;
    expect(backedUp).toBeGreaterThan(1024 * 1024);
    expect(connection.messages.length).toBeLessThan(64);

    connection.resumeReading();
    for (let i = 0; i < 64; i++) await connection.nextMessage({ timeout: 5000 });
    expect(ws.bufferedAmount).toBe(0);
    await closeWs(ws);
  });

  it.each([
    ['an invalid UTF-8 text frame', 1007, () => frames.invalidUtf8()],
    ['a reserved opcode', 1002, () => frames.reservedOpcode()],
    ['reserved bits', 1002, () => frames.reservedBits()],
    ['a masked frame', 1002, () => frames.masked()],
    ['a fragmented ping', 1002, () => frames.fragmentedPing()],
    ['a frame over the client maxPayload', 1009, () => frames.oversize(2048)],
  ] as const)('sendRaw(%s) makes the client close with %i', async (_name, code, frame) => {
    const server = await createTestServer();
    const ws = await openWs(server.url, [], { maxPayload: 1024 });
    ws.on('error', () => undefined);
    const connection = await server.nextConnection();
    connection.sendRaw(frame());
    const info = await connection.waitForClose();
    expect(info.code).toBe(code);
  });

  it('sendRaw() with well-formed frames: a message split by hand', async () => {
    const server = await createTestServer();
    const ws = await openWs(server.url);
    const connection = await server.nextConnection();
    const got = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    connection.sendRaw(frames.text('hel', false));
    connection.sendRaw(buildFrame({ opcode: 0x0, payload: 'lo' }));
    expect(await got).toBe('hello');
    const closed = closeOf(ws);
    connection.sendRaw(frames.close(4321, 'raw'));
    expect(await closed).toEqual({ code: 4321, reason: 'raw' });
  });

  it('refuseNext(n, status) refuses the next n upgrades, 503 by default', async () => {
    const server = await createTestServer();
    server.refuseNext(2);
    server.refuseNext(1, 429, { headers: { 'retry-after': '1' } });
    expect(await failureOf(new WsClient(server.url))).toEqual({ status: 503 });
    expect(await failureOf(new WsClient(server.url))).toEqual({ status: 503 });
    expect(await failureOf(new WsClient(server.url))).toEqual({ status: 429 });
    const ws = await openWs(server.url);
    await server.nextConnection();
    expect(server.handshakes.map((h) => h.status ?? h.outcome)).toEqual([503, 503, 429, 'accepted']);
    await closeWs(ws);
  });

  it('delayHandshake(ms) delays the upgrade; Infinity holds it until releaseHandshakes()', async () => {
    const server = await createTestServer({ handshakeDelay: 80 });
    const started = Date.now();
    const ws = await openWs(server.url);
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    await closeWs(ws);

    server.delayHandshake(Infinity);
    const held = new WsClient(server.url);
    let opened = false;
    held.on('open', () => (opened = true));
    await until(() => server.heldHandshakes === 1, 5000, 'the handshake to be held');
    expect(opened).toBe(false);
    expect(server.heldHandshakes).toBe(1);
    server.releaseHandshakes();
    await server.nextConnection();
    await until(() => opened, 5000, 'the client to open');
    expect(opened).toBe(true);
    await closeWs(held);
  });

  it('a client that gives up on a held handshake is recorded as aborted, never accepted on release', async () => {
    const server = await createTestServer();
    server.delayHandshake(Infinity);
    const quitter = new WsClient(server.url);
    quitter.on('error', () => {});
    await until(() => server.heldHandshakes === 1, 5000, 'the handshake to be held');
    quitter.terminate(); // a connect timeout on the client side
    await until(() => server.heldHandshakes === 0, 5000, 'the server to see the client leave');
    expect(server.heldHandshakes).toBe(0);
    server.releaseHandshakes();
    server.delayHandshake(0);
    const next = await openWs(server.url);
    const connection = await server.nextConnection();
    expect(connection.id).toBe(1); // the abandoned upgrade did not become a connection
    expect(server.handshakes.map((h) => h.outcome)).toEqual(['aborted', 'accepted']);
    await closeWs(next);
  });

  it('a held handshake is cut when the server closes (a connect-timeout test leaks nothing)', async () => {
    const server = await createTestServer();
    server.delayHandshake(Infinity);
    const held = new WsClient(server.url);
    const failure = failureOf(held);
    await until(() => server.heldHandshakes === 1, 5000, 'the handshake to be held');
    await server.close();
    expect((await failure).error?.message).toMatch(/socket hang up|ECONNRESET/);
  });

  it('delayReplies(ms) and the replyDelay option delay scripted replies', async () => {
    const server = await createTestServer({ replyDelay: 60 });
    server.on('ping').reply('pong');
    const ws = await openWs(server.url);
    const started = Date.now();
    const got = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    ws.send('ping');
    expect(await got).toBe('pong');
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    server.delayReplies(0);
    const fast = Date.now();
    const got2 = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    ws.send('ping');
    expect(await got2).toBe('pong');
    // No delay: the server's reply follows the request within the same turn (its transcript's times;
    // the client's round trip would measure the loaded machine, not the delay).
    const texts = server.connections[0]!.transcript.filter((e) => e.kind === 'text');
    expect(texts.map((e) => e.direction)).toEqual(['in', 'out', 'in', 'out']);
    expect(texts[3]!.time - texts[2]!.time).toBeLessThan(50);
    expect(texts[1]!.time - texts[0]!.time).toBeGreaterThanOrEqual(50);
    await closeWs(ws);
  });

  it('restart() closes connections with 1012 and listens again on the same port', async () => {
    const server = await createTestServer();
    const port = server.port;
    const ws = await openWs(server.url);
    const first = await server.nextConnection();
    const closed = closeOf(ws);
    await server.restart();
    expect(await closed).toEqual({ code: 1012, reason: 'Service Restart' });
    expect(first.closeInfo?.code).toBe(1012);
    expect(server.port).toBe(port);
    const again = await openWs(server.url);
    const second = await server.nextConnection();
    expect(second.id).toBe(2);
    again.send('back');
    await expect(server.nextMessage()).resolves.toBe('back');
    expect(server.connections).toEqual([first, second]);

    const dropped = closeOf(again);
    await server.restart({ drop: true, downtime: 50 });
    expect((await dropped).code).toBe(1006);
    const third = await openWs(server.url);
    await expect(server.nextConnection()).resolves.toMatchObject({ id: 3 });
    await closeWs(third);
  });

  it('restart({ downtime }) refuses TCP connections meanwhile', async () => {
    const server = await createTestServer();
    // Down for a while: the attempt starts once the server has stopped listening, well within it.
    const restarting = server.restart({ downtime: 1000 });
    await until(() => !server.raw.http.listening, 5000, 'the server to stop listening');
    const failure = await failureOf(new WsClient(server.url));
    expect(failure.error?.message).toMatch(/ECONNREFUSED/);
    await restarting;
    await closeWs(await openWs(server.url));
  });

  it('close() closes connections with 1001, rejects pending waits and frees the port', async () => {
    const server = await createTestServer();
    const ws = await openWs(server.url);
    const connection = await server.nextConnection();
    const waitingMessage = connection.nextMessage({ timeout: 5000 });
    const waitingConnection = server.nextConnection({ timeout: 5000 });
    const closed = closeOf(ws);
    const report = await server.close();
    expect(await closed).toEqual({ code: 1001, reason: 'Going Away' });
    await expect(waitingMessage).rejects.toThrow(/closed/);
    await expect(waitingConnection).rejects.toThrow(/The test server ws:\/\/127\.0\.0\.1:\d+ was closed/);
    expect(report.clean).toBe(false);
    expect(report.openConnections).toEqual(['connection #1 (/)']);
    expect(report.pendingWaits.map((w) => w.label).sort()).toEqual(
      [`nextConnection() on ${server.url}`, 'nextMessage() on connection #1 (/)'].sort(),
    );
    expect(server.closed).toBe(true);
    await expect(server.close()).resolves.toBe(report);
    // The port is free: something else can listen on it.
    const probe = createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(server.port, '127.0.0.1', resolve));
    await new Promise((r) => probe.close(r));
  });

  it('close() cuts a client that does not answer the close frame', async () => {
    const server = await createTestServer();
    const ws = await openWs(server.url);
    await server.nextConnection();
    // The client stops reading, so it never sees (or answers) the close frame.
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const started = Date.now();
    await server.close();
    // Cut after the kit's short close grace, not ws's 30 s closing timeout (generous for a loaded machine).
    expect(Date.now() - started).toBeLessThan(10_000);
    ws.terminate();
  });
});
