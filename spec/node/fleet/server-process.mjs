// One server process of the fleet specs (session-fleet.spec.ts): a test server of rxws/testing
// (a real `ws` server on 127.0.0.1) running acceptSessions() on redisSessionStore(), driven by its
// parent over IPC. It runs the built package (rxws resolves to dist/ by self-reference: `npm test`
// builds first), as a user's server would.
//
// Environment: REDIS_PORT, PREFIX, PORT (0: a free one), EXPIRE_AFTER (ms).
// Parent → child: { op: 'send', id, message } · { op: 'drop' | 'cut' | 'pause' } · { op: 'stop' }
// Child → parent: { op: 'ready', port } · { op: 'session', id } · { op: 'received', id, message }
// Messages are strings or Uint8Arrays (the IPC channel uses 'advanced' serialization).
import { Redis } from 'ioredis';
import { acceptSessions } from 'rxws/node';
import { redisSessionStore } from 'rxws/node/redis';
import { SESSION_PROTOCOL } from 'rxws/session';
import { createTestServer } from 'rxws/testing';

const env = (name) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`server-process.mjs: ${name} is not set`);
  return value;
};

const redis = new Redis(Number(env('REDIS_PORT')), '127.0.0.1');
const redisStore = redisSessionStore({ client: redis, prefix: env('PREFIX') });

// The store calls in flight: a planned stop waits for them, so that everything next() accepted
// and every disconnection is saved before the process exits (what a graceful shutdown does).
let inFlight = 0;
const store = Object.fromEntries(
  Object.entries(redisStore).map(([name, method]) => [
    name,
    name === 'watch'
      ? method
      : (...args) => {
          inFlight++;
          return Promise.resolve(method(...args)).finally(() => inFlight--);
        },
  ]),
);

const server = await createTestServer({ protocols: [SESSION_PROTOCOL], port: Number(env('PORT')) });
const sessions = new Map();
const accepting = acceptSessions(server.raw.wss, {
  store,
  expireAfter: Number(env('EXPIRE_AFTER')),
  serializer: (message) => message,
  deserializer: ({ data }) => (typeof data === 'string' ? data : new Uint8Array(data)),
}).subscribe((session) => {
  sessions.set(session.id, session);
  process.send({ op: 'session', id: session.id });
  session.subscribe({
    next: (message) => process.send({ op: 'received', id: session.id, message }),
    complete: () => sessions.delete(session.id),
  });
});

const turn = () => new Promise((resolve) => setImmediate(resolve));

async function stop() {
  accepting.unsubscribe();
  await server.close(); // 1001 to every client: they reconnect to the other process
  // Idle for a few turns in a row: a save's answer may schedule the next call.
  for (let idleTurns = 0; idleTurns < 3; ) {
    await turn();
    idleTurns = inFlight === 0 ? idleTurns + 1 : 0;
  }
  await redis.quit();
  process.exit(0);
}

process.on('message', (command) => {
  switch (command.op) {
    case 'send': {
      const session = sessions.get(command.id);
      if (!session) throw new Error(`server-process.mjs: no Session ${command.id} here`);
      session.next(command.message);
      break;
    }
    case 'drop': // the TCP connection destroyed mid-stream
      for (const connection of server.openConnections) connection.drop();
      break;
    case 'cut': // half a frame, then the connection is gone
      for (const connection of server.openConnections) {
        connection.sendRaw(new Uint8Array([0x81, 0x05, 0x44, 0x31]));
        connection.drop();
      }
      break;
    case 'pause': // stops reading for a turn: the client's sends pile up
      for (const connection of server.openConnections) connection.stopReading();
      setImmediate(() => {
        for (const connection of server.openConnections) connection.resumeReading();
      });
      break;
    case 'stop':
      void stop();
      break;
    default:
      throw new Error(`server-process.mjs: unknown command ${JSON.stringify(command)}`);
  }
});

process.send({ op: 'ready', port: server.port });
