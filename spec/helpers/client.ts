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

/** Resolves after `ms` real milliseconds. */
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `predicate` holds (polling every 5 ms on real timers), or fails after `timeout` ms naming `what`. */
export async function until(predicate: () => boolean, timeout = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeout) throw new Error(`Timed out after ${timeout} ms waiting for ${what}.`);
    await delay(5);
  }
}
