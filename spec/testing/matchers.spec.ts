import 'rxws/testing/jest';
import { expect as globalsExpect } from '@jest/globals';
import { createTestServer, useTestServers } from 'rxws/testing';
import { matchers } from 'rxws/testing/jest';
import { closeWs, openWs } from './clients.js';

useTestServers({ onLeak: 'throw' });

async function setup(json = true) {
  const server = await createTestServer({ json });
  const ws = await openWs(server.url);
  const connection = await server.nextConnection();
  return { server, ws, connection };
}

describe('rxws/testing/jest', () => {
  it('toReceiveMessage on a server and a connection, with asymmetric matchers and falsy values', async () => {
    const { server, ws, connection } = await setup();
    ws.send('{"type":"hello","id":1}');
    ws.send('0');
    await expect(server).toReceiveMessage({ type: 'hello', id: 1 });
    await expect(server).toReceiveMessage(0);
    await expect(connection).toReceiveMessage(expect.objectContaining({ type: 'hello' }));
    await expect(connection).toReceiveMessage(0, { timeout: 100 });
    await globalsExpect(connection).not.toReceiveMessage('anything', { timeout: 20 });
    await closeWs(ws);
  });

  it('fails with a readable diff, and with a timeout message naming what was expected', async () => {
    const { ws, connection } = await setup();
    ws.send('{"type":"bye"}');
    const error = await expect(connection).toReceiveMessage({ type: 'hello' }).catch((e: unknown) => e);
    expect(String((error as Error).message)).toMatch(/toReceiveMessage/);
    expect(String((error as Error).message)).toMatch(/-\s+"type": "hello"/);
    expect(String((error as Error).message)).toMatch(/\+\s+"type": "bye"/);

    const timeout = await expect(connection).toReceiveMessage({ type: 'late' }, { timeout: 20 }).catch((e: unknown) => e);
    expect((timeout as Error).message).toMatch(/Timed out after 20 ms waiting for a message on connection #1/);
    expect((timeout as Error).message).toContain("Expected: { type: 'late' }");
    expect((timeout as Error).message).toContain('1. { type: \'bye\' }');
    // The timed-out matcher did not eat the next message.
    ws.send('{"type":"late"}');
    await expect(connection).toReceiveMessage({ type: 'late' });
    await closeWs(ws);
  });

  it('prints binary as hex in diffs', async () => {
    const { ws, connection } = await setup(false);
    ws.send(new Uint8Array([1, 2, 3]));
    const error = await expect(connection).toReceiveMessage(new Uint8Array([1, 2, 4])).catch((e: unknown) => e);
    expect((error as Error).message).toContain('hex(01 02 04)');
    expect((error as Error).message).toContain('hex(01 02 03)');
    ws.send(new Uint8Array([5]));
    await expect(connection).toReceiveMessage(new Uint8Array([5]));
    await closeWs(ws);
  });

  it('toHaveReceivedMessages: any order, duplicates counted, ordered on request, .not', async () => {
    const { server, ws, connection } = await setup();
    for (const m of ['"a"', '"b"', '"a"', 'null']) ws.send(m);
    for (let i = 0; i < 4; i++) await connection.nextMessage();
    expect(connection).toHaveReceivedMessages(['b', 'a']);
    expect(server).toHaveReceivedMessages(['a', 'a', null]);
    expect(connection).not.toHaveReceivedMessages(['a', 'a', 'a']);
    expect(connection).toHaveReceivedMessages(['a', 'b'], { ordered: true });
    expect(connection).not.toHaveReceivedMessages(['b', 'a', 'a'], { ordered: true });
    expect(() => expect(connection).toHaveReceivedMessages(['c'])).toThrow(/Missing:\n {2}1\. "c"/);
    await closeWs(ws);
  });

  it('rejects other values clearly, and exports the matchers for expect.extend', () => {
    expect(() => expect({}).toHaveReceivedMessages([])).toThrow(/must be a TestServer or a TestConnection/);
    expect(Object.keys(matchers).sort()).toEqual(['toHaveReceivedMessages', 'toReceiveMessage']);
  });
});
