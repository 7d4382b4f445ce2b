/**
 * jsdom resolves packages with the `browser` export condition, which sends `ws` to its
 * browser stub; the server side of the kit needs Node's build, hence these options.
 * @jest-environment jsdom
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
import { createTestServer, useTestServers } from 'rxws/testing';
import 'rxws/testing/jest';

useTestServers({ onLeak: 'throw' });

describe('in the jsdom environment', () => {
  it("jsdom's own WebSocket connects to the real server", async () => {
    expect(typeof window).toBe('object');
    const server = await createTestServer({ json: true });
    server.on({ type: 'hello' }).reply({ type: 'welcome' });
    const socket = new window.WebSocket(`${server.url}/dom`);
    const messages: unknown[] = [];
    const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener('close', resolve));
    const welcomed = new Promise<void>((resolve) =>
      socket.addEventListener('message', (e) => {
        messages.push(JSON.parse(String(e.data)));
        resolve();
      }),
    );
    await new Promise((r) => socket.addEventListener('open', r));
    const connection = await server.nextConnection();
    expect(connection.request.path).toBe('/dom');
    socket.send(JSON.stringify({ type: 'hello' }));
    await expect(connection).toReceiveMessage({ type: 'hello' });
    await welcomed;
    expect(messages).toEqual([{ type: 'welcome' }]);
    connection.drop();
    expect((await closed).code).toBe(1006);
  });
});
