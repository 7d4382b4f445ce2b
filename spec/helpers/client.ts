// A client connected to an rxws/testing server, and the waits the layer-1 specs share.
import { createTestServer, type TestConnection, type TestServerOptions } from 'rxws/testing';
import { nextEvent, type SocketLike } from './events.js';

/** Starts a test server, opens a client made by `open(url)` to it, and returns both ends. */
export async function connect<S extends SocketLike>(open: (url: string) => S, options?: TestServerOptions) {
  const server = await createTestServer(options);
  const socket = open(server.url);
  await nextEvent(socket, 'open');
  const connection = await server.nextConnection();
  return { server, socket, connection };
}

/** The next `count` messages of `connection`, in order (each read with the kit's timeout). */
export async function nextMessages(connection: TestConnection, count: number): Promise<unknown[]> {
  const messages: unknown[] = [];
  while (messages.length < count) messages.push(await connection.nextMessage());
  return messages;
}

/** Waits until `predicate` holds (polling on a short timer), or fails after `ms`. */
export async function until(predicate: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
