// `rxws connect` as a real process against rxws/testing servers: pipelines, options, exit codes.
import { createTestServer, useTestServers } from 'rxws/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from '../testing/tls.js';
import { converse, rxws, run, until } from './run.js';

useTestServers();

describe('rxws connect in a pipeline', () => {
  it('sends each stdin line, writes each message as one line, and exits 0 after a clean close', async () => {
    const server = await createTestServer();
    server.on(() => true).reply((m: unknown) => `echo ${String(m)}`);
    const { code, stdout, stderr } = await converse('one\ntwo\r\n\nthree\n', 3, 'connect', server.url);
    expect(server.messages).toEqual(['one', 'two', 'three']); // empty lines are skipped, \r\n ends a line too
    expect(stdout).toBe('echo one\necho two\necho three\n');
    expect(code).toBe(0);
    expect(stderr).toMatch(/connecting to ws:\/\/127\.0\.0\.1:\d+\nopen \(no subprotocol, \d+ ms\)\n[\s\S]*closed \(1000\)/);
    expect(server.connections[0]!.closeInfo).toMatchObject({ code: 1000 });
  });

  it('--wait: after stdin ended and all went out, replies that come within the wait are printed', async () => {
    const server = await createTestServer();
    server.on(() => true).reply((m: unknown) => `echo ${String(m)}`);
    // (A wait far longer than a loopback reply takes: stdin ends at once, the reply comes in the wait.)
    const { code, stdout } = await run('ask\n', 'connect', server.url, '--wait', '5000');
    expect([code, stdout]).toEqual([0, 'echo ask\n']);
  }, 30_000);

  it('--json: a line that is not JSON is reported with its number and not sent', async () => {
    const server = await createTestServer();
    const { code, stderr } = await run('{"a":1}\n{oops\n[2]\n', 'connect', server.url, '--json');
    expect(code).toBe(0);
    expect(server.messages).toEqual(['{"a":1}', '[2]']);
    expect(stderr).toMatch(/line 2: not JSON, not sent/);
  });

  it('sends headers and offers subprotocols; shows the chosen one', async () => {
    const server = await createTestServer({ protocols: ['chat.v2'] });
    const { code, stderr } = await run('hi\n', 'connect', server.url, '-H', 'X-Token: abc', '--header', 'x-other:  two ', '-p', 'chat.v1', '--protocol', 'chat.v2');
    expect(code).toBe(0);
    expect(server.handshakes[0]!.headers).toMatchObject({ 'x-token': 'abc', 'x-other': 'two', 'sec-websocket-protocol': 'chat.v1, chat.v2' });
    expect(stderr).toMatch(/open \(chat\.v2, \d+ ms\)/);
  });

  it('prints binary messages as hex (default) or base64, JSON on one line', async () => {
    const server = await createTestServer();
    server.onConnection((connection) => {
      connection.send(new Uint8Array([0, 1, 254, 255]));
      connection.send('{\n  "multi": "line"\n}');
      connection.send('plain\ntext');
      void connection.close(1000);
    });
    const hex = rxws('connect', server.url);
    expect(await hex.exited).toBe(0);
    expect(hex.stdout).toBe('0001feff\n{"multi":"line"}\n"plain\\ntext"\n');
    const base64 = rxws('connect', server.url, '--binary', 'base64');
    expect(await base64.exited).toBe(0);
    expect(base64.stdout.split('\n')[0]).toBe('AAH+/w==');
  });

  it('a close by the server with another code than 1000 is an error: exit 1, the reason on stderr', async () => {
    const server = await createTestServer();
    server.onConnection((connection) => void connection.close(4000, 'go away'));
    const command = rxws('connect', server.url);
    expect(await command.exited).toBe(1);
    expect(command.stderr).toMatch(/error: 4000 "go away"/);
  });

  it('exit 1 when the server cannot be reached; exit 2, one line, for bad usage', async () => {
    const refused = await run('', 'connect', 'ws://127.0.0.1:1');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error: 1006 \(connect ECONNREFUSED/);
    for (const args of [['connect'], ['connect', 'ws://a', 'ws://b'], ['connect', 'not a url'], ['connect', 'ftp://x'], ['connect', 'ws://x', '--bogus'], ['connect', 'ws://x', '--binary', 'octal'], ['connect', 'ws://x', '--heartbeat', 'soon'], ['connect', 'ws://x', '--print-rtt'], ['connect', 'ws://x', '--max-attempts', '3'], ['connect', 'ws://x', '-H', 'no-colon'], ['connect', 'ws://x', '--ca', '/no/such/file'], ['frobnicate']]) {
      const { code, stderr, stdout } = await run('', ...args);
      expect([args, code]).toEqual([args, 2]);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^rxws/);
      expect(stdout).toBe('');
    }
  });

  it('--close-after closes with 1000 after the connection opened', async () => {
    const server = await createTestServer();
    const command = rxws('connect', server.url, '--close-after', '50');
    const connection = await server.nextConnection();
    expect(await connection.closed).toMatchObject({ code: 1000 });
    expect(await command.exited).toBe(0);
  });

  it('--reconnect: shows the wait and the cause, reconnects after a restart (1012), and goes on', async () => {
    const server = await createTestServer();
    const command = rxws('connect', server.url, '--reconnect', '--initial-delay', '50');
    await server.nextConnection();
    await server.restart();
    const second = await server.nextConnection();
    await until(() => /reconnecting in \d+ ms after 1012/.test(command.stderr) && (command.stderr.match(/^open /gm) ?? []).length === 2, 'the reconnection on stderr');
    second.send('after the restart');
    await until(() => command.stdout.includes('after the restart\n'), 'the message');
    command.child.stdin.end();
    expect(await command.exited).toBe(0);
  });

  it('--heartbeat with --print-rtt prints each round trip', async () => {
    const server = await createTestServer();
    const command = rxws('connect', server.url, '--heartbeat', '100', '--print-rtt');
    await until(() => /rtt \d+\.\d ms[\s\S]*rtt \d+\.\d ms/.test(command.stderr), 'two round trips');
    command.child.stdin.end();
    expect(await command.exited).toBe(0);
  });
});

describe('rxws connect over TLS', () => {
  it('--ca trusts a self-signed server; without it the certificate is refused (exit 1); --insecure skips the check', async () => {
    const { key, cert } = selfSignedCertificate();
    const server = await createTestServer({ tls: { key, cert } });
    server.on(() => true).reply((m: unknown) => `secure ${String(m)}`);
    const ca = join(mkdtempSync(join(tmpdir(), 'rxws-cli-tls-')), 'ca.pem');
    writeFileSync(ca, cert);
    expect(server.url).toMatch(/^wss:/);
    const trusted = await converse('hi\n', 1, 'connect', server.url, '--ca', ca);
    expect([trusted.code, trusted.stdout]).toEqual([0, 'secure hi\n']);
    const refused = await run('hi\n', 'connect', server.url);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error: 1006 \(.*(self-signed|self signed)/);
    const insecure = await converse('hi\n', 1, 'connect', server.url, '--insecure');
    expect([insecure.code, insecure.stdout]).toEqual([0, 'secure hi\n']);
  });
});

describe('rxws --help', () => {
  it('documents every option of each command', async () => {
    const main = await run('', '--help');
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/rxws connect <url>[\s\S]*rxws serve/);
    const connect = await run('', 'connect', '--help');
    for (const option of ['--header', '--protocol', '--reconnect', '--max-attempts', '--initial-delay', '--heartbeat', '--print-rtt', '--json', '--binary', '--close-after', '--wait', '--ca', '--cert', '--key', '--insecure', '/ping', '/close', '/state', '/quit']) {
      expect(connect.stdout).toContain(option);
    }
    const serve = await run('', 'serve', '--help');
    for (const option of ['--port', '--echo', '--broadcast', '--script', '--json', '--drop-every', '--restart-every', '--refuse', '--stall-after', '--latency']) {
      expect(serve.stdout).toContain(option);
    }
  });
});
