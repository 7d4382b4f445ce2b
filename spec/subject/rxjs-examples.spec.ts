// The examples of rxjs 7's `webSocket` documentation (node_modules/rxjs/src/internal/observable/dom/webSocket.ts),
// run against a real server on localhost:8081. The example code is verbatim but for the import
// (`'rxjs/webSocket'` -> `'rxws'`). Where an example's comments describe time passing ("At this
// moment..."), the test waits there for what the comment says, between the statements.
import { setDefaultResultOrder } from 'node:dns';
import { webSocket } from 'rxws';
import { createTestServer, useTestServers, type TestServer } from 'rxws/testing';
import { WebSocketCloseError } from 'rxws';
import { until } from './helpers.js';

useTestServers();

let log: jest.SpyInstance;
let server: TestServer;

beforeAll(() => {
  // The examples say 'localhost'; the test server listens on 127.0.0.1.
  setDefaultResultOrder('ipv4first');
});

beforeEach(async () => {
  log = jest.spyOn(console, 'log').mockImplementation(() => {});
  server = await createTestServer({ json: true, port: 8081 });
});

afterEach(() => log.mockRestore());

const logged = (): unknown[] => log.mock.calls.map((args: unknown[]) => args[0]);

describe('Listening for messages from the server', () => {
  const example = (): void => {
    const subject = webSocket('ws://localhost:8081');

    subject.subscribe({
      next: msg => console.log('message received: ' + msg), // Called whenever there is a message from the server.
      error: err => console.log(err), // Called if at any point WebSocket API signals some kind of error.
      complete: () => console.log('complete') // Called when connection is closed (for whatever reason).
     });
  };

  test('messages are logged, and a normal close from the server completes', async () => {
    example();
    const connection = await server.nextConnection();
    connection.send('hello');
    connection.send(42);
    await until(() => logged().length === 2);
    await connection.close(1000);
    await until(() => logged().length === 3);
    expect(logged()).toEqual(['message received: hello', 'message received: 42', 'complete']);
  });

  test('an abnormal close is an error (a WebSocketCloseError with the code)', async () => {
    example();
    const connection = await server.nextConnection();
    connection.send('hello');
    await until(() => logged().length === 1);
    connection.drop();
    await until(() => logged().length === 2);
    const error = logged()[1];
    expect(error).toBeInstanceOf(WebSocketCloseError);
    expect(error).toMatchObject({ code: 1006, wasClean: false });
  });
});

test('Pushing messages to the server', async () => {
  const subject = webSocket('ws://localhost:8081');

  subject.subscribe();
  // Note that at least one consumer has to subscribe to the created subject - otherwise "nexted" values will be just buffered and not sent,
  // since no connection was established!

  subject.next({ message: 'some message' });
  // This will send a message to the server once a connection is made. Remember value is serialized with JSON.stringify by default!

  subject.complete(); // Closes the connection.

  subject.error({ code: 4000, reason: 'I think our app just broke!' });
  // Also closes the connection, but let's the server know that this closing is caused by some error.

  // What the server saw: the message, then the close of complete() (1000; rxjs sends no code, 1005).
  // The connection was already closing, so error() had nothing more to close.
  const connection = await server.nextConnection();
  await expect(connection.nextMessage()).resolves.toEqual({ message: 'some message' });
  await expect(connection.waitForClose()).resolves.toEqual({ code: 1000, reason: '', wasClean: true });
});

test('Pushing messages to the server: error() on its own closes with its code', async () => {
  const subject = webSocket('ws://localhost:8081');

  subject.subscribe();

  subject.error({ code: 4000, reason: 'I think our app just broke!' });
  // Also closes the connection, but let's the server know that this closing is caused by some error.

  const connection = await server.nextConnection();
  await expect(connection.waitForClose()).resolves.toEqual({ code: 4000, reason: 'I think our app just broke!', wasClean: true });
});

test('Multiplexing WebSocket', async () => {
  // The gateway: starts and stops a feed per topic.
  const feeds = new Map<string, ReturnType<typeof setInterval>>();
  server.on((m: { subscribe?: string }) => m.subscribe !== undefined).reply((m: { subscribe: string }, connection) => {
    let n = 0;
    feeds.set(m.subscribe, setInterval(() => connection.isOpen && connection.send({ type: m.subscribe, n: n++ }), 5));
    return undefined;
  });
  server.on((m: { unsubscribe?: string }) => m.unsubscribe !== undefined).reply((m: { unsubscribe: string }) => {
    clearInterval(feeds.get(m.unsubscribe));
    feeds.delete(m.unsubscribe);
    return undefined;
  });
  try {
    const subject = webSocket('ws://localhost:8081');

    const observableA = subject.multiplex(
      () => ({ subscribe: 'A' }), // When server gets this message, it will start sending messages for 'A'...
      () => ({ unsubscribe: 'A' }), // ...and when gets this one, it will stop.
      // @ts-expect-error rxjs's example does not type-check in strict TypeScript with rxjs either: `message` is `unknown` without a type argument.
      message => message.type === 'A' // If the function returns `true` message is passed down the stream. Skipped if the function returns false.
    );

    const observableB = subject.multiplex( // And the same goes for 'B'.
      () => ({ subscribe: 'B' }),
      () => ({ unsubscribe: 'B' }),
      // @ts-expect-error (as above)
      message => message.type === 'B'
    );

    const subA = observableA.subscribe(messageForA => console.log(messageForA));
    // At this moment WebSocket connection is established. Server gets '{"subscribe": "A"}' message and starts sending messages for 'A',
    // which we log here.
    const connection = await server.nextConnection();
    await expect(connection.nextMessage()).resolves.toEqual({ subscribe: 'A' });
    await until(() => logged().length >= 3);

    const subB = observableB.subscribe(messageForB => console.log(messageForB));
    // Since we already have a connection, we just send '{"subscribe": "B"}' message to the server. It starts sending messages for 'B',
    // which we log here.
    await expect(connection.nextMessage()).resolves.toEqual({ subscribe: 'B' });
    await until(() => logged().some((m) => (m as { type: string }).type === 'B'));

    subB.unsubscribe();
    // Message '{"unsubscribe": "B"}' is sent to the server, which stops sending 'B' messages.
    await expect(connection.nextMessage()).resolves.toEqual({ unsubscribe: 'B' });

    subA.unsubscribe();
    // Message '{"unsubscribe": "A"}' makes the server stop sending messages for 'A'. Since there is no more subscribers to root Subject,
    // socket connection closes.
    await expect(connection.nextMessage()).resolves.toEqual({ unsubscribe: 'A' });
    await expect(connection.waitForClose()).resolves.toMatchObject({ code: 1000, wasClean: true });

    const types = logged().map((m) => (m as { type: string }).type);
    expect(new Set(types)).toEqual(new Set(['A', 'B']));
    // Each stream got only its own messages, in order.
    const a = logged().filter((m) => (m as { type: string }).type === 'A').map((m) => (m as { n: number }).n);
    expect(a).toEqual([...Array(a.length).keys()]);
  } finally {
    for (const feed of feeds.values()) clearInterval(feed);
  }
});
