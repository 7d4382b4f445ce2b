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

/**
 * Waits until the values `sample()` returns have stayed the same for `quiet` ms of real time and
 * at least 10 samples (every 10 ms: a process descheduled on a loaded machine does not count as
 * quiet), or fails after `timeout` ms naming `what`. For "the system has reached its stall" before
 * a check that nothing more happens: a stall is a state nothing announces, so steadiness is the
 * observation that proves it.
 */
export async function untilSteady(sample: () => readonly unknown[], quiet = 200, timeout = 10_000, what = 'a steady state'): Promise<void> {
  const start = Date.now();
  let last = sample();
  let since = Date.now();
  let samples = 0;
  for (;;) {
    await delay(10);
    const now = sample();
    if (now.length !== last.length || now.some((v, i) => !Object.is(v, last[i]))) {
      last = now;
      since = Date.now();
      samples = 0;
    } else if (++samples >= 10 && Date.now() - since >= quiet) {
      return;
    }
    if (Date.now() - start > timeout) throw new Error(`Timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(now)}).`);
  }
}
