// Both ends of rxws.session.v1: rxws's client (webSocket + resumable + reconnect) against
// acceptSessions() on a real test server that drops, cuts frames, restarts and pauses on purpose.
// Each side's application must receive exactly the sequence the other sent.
import fc from 'fast-check';
import { firstValueFrom } from 'rxjs';
import { webSocket, reconnect, type SessionEvent, type WebSocketSubject } from 'rxws';
import { resumable, SESSION_PROTOCOL } from 'rxws/session';
import { acceptSessions, type Session } from 'rxws/node';
import { createTestServer, useTestServers, type TestServer } from 'rxws/testing';
import { until } from '../subject/helpers.js';

useTestServers();

type Message = string | Uint8Array;
/** What a message looks like to compare: text as it is, bytes as hex. */
const show = (m: unknown): string => (typeof m === 'string' ? m : `0x${Buffer.from(m as Uint8Array).toString('hex')}`);

interface Ends {
  server: TestServer;
  client: WebSocketSubject<Message, Message>;
  /** What the client's application received, and what the server's did. */
  atClient: string[];
  atServer: string[];
  sessions: Session<Message, Message>[];
  events: SessionEvent[];
  stop(): void;
}

async function ends(expireAfter = 60_000): Promise<Ends> {
  const server = await createTestServer({ protocols: [SESSION_PROTOCOL] });
  const atClient: string[] = [];
  const atServer: string[] = [];
  const sessions: Session<Message, Message>[] = [];
  const accepting = acceptSessions<Message, Message>(server.raw.wss, {
    expireAfter,
    serializer: (m) => m,
    deserializer: ({ data }) => data,
  }).subscribe((session) => {
    sessions.push(session);
    session.subscribe((m) => atServer.push(show(m)));
  });
  const client = webSocket<Message, Message>({
    url: server.url,
    serializer: (m) => m,
    deserializer: (e) => (typeof e.data === 'string' ? e.data : new Uint8Array(e.data as ArrayBuffer)),
    session: resumable({ ackInterval: 10 }),
  });
  const events: SessionEvent[] = [];
  client.session$.subscribe((e) => events.push(e));
  const subscription = client.pipe(reconnect({ initialDelay: 5, maxDelay: 20 })).subscribe((m) => atClient.push(show(m)));
  await until(() => sessions.length === 1 && events.length === 1, 5000, 'the session');
  return {
    server,
    client,
    atClient,
    atServer,
    sessions,
    events,
    stop: () => {
      subscription.unsubscribe();
      accepting.unsubscribe();
    },
  };
}

/** The session's current server-side object (the last emitted). */
const serverSide = (e: Ends): Session<Message, Message> => e.sessions[e.sessions.length - 1]!;

test('messages both ways survive a dropped connection: exactly once, in order, including what was sent while away', async () => {
  const e = await ends();
  for (let i = 1; i <= 5; i++) e.client.next(`c${i}`);
  for (let i = 1; i <= 5; i++) serverSide(e).next(`s${i}`);
  await until(() => e.atServer.length === 5 && e.atClient.length === 5);
  const closed = firstValueFrom(e.client.close$);
  for (const connection of e.server.openConnections) connection.drop();
  await closed;
  for (let i = 6; i <= 10; i++) e.client.next(`c${i}`); // while away
  for (let i = 6; i <= 10; i++) serverSide(e).next(`s${i}`);
  await until(() => e.atServer.length === 10 && e.atClient.length === 10, 10_000, 'every message');
  expect(e.atServer).toEqual(Array.from({ length: 10 }, (_, i) => `c${i + 1}`));
  expect(e.atClient).toEqual(Array.from({ length: 10 }, (_, i) => `s${i + 1}`));
  expect(e.events.map((s) => s.kind)).toEqual(['new', 'resumed']);
  expect(e.sessions).toHaveLength(1); // the same Session lived across the reconnection
  e.stop();
});

test('a server restart within expireAfter resumes the session on the same port', async () => {
  const e = await ends();
  e.client.next('before');
  await until(() => e.atServer.length === 1);
  await e.server.restart(); // 1012, then listening again
  e.client.next('after');
  serverSide(e).next('hello again');
  await until(() => e.atServer.length === 2 && e.atClient.length === 1, 10_000, 'both messages');
  expect(e.atServer).toEqual(['before', 'after']);
  expect(e.atClient).toEqual(['hello again']);
  expect(e.events.map((s) => s.kind)).toEqual(['new', 'resumed']);
  e.stop();
});

test("after expireAfter the resume gets 'new': session$ reports lost with exactly what the server never acknowledged", async () => {
  const e = await ends(100);
  e.client.next('acknowledged');
  await until(() => e.atServer.length === 1);
  serverSide(e).next('its data frame acknowledges it');
  await until(() => e.atClient.length === 1);
  // Down longer than expireAfter: the client's attempts are refused meanwhile.
  const restarted = e.server.restart({ drop: true, downtime: 400 });
  await firstValueFrom(e.client.close$);
  e.client.next('while away 1');
  e.client.next('while away 2');
  await restarted;
  await until(() => e.events.length === 3, 10_000, 'lost, then new');
  expect(e.events[1]).toMatchObject({ kind: 'lost', unacknowledged: ['while away 1', 'while away 2'] });
  expect(e.events[2]!.kind).toBe('new');
  expect(e.events[2]!.id).not.toBe(e.events[0]!.id);
  expect(serverSide(e) === e.sessions[0]).toBe(false); // a new Session for the new session
  expect(e.sessions[0]!.state).toBe('expired');
  e.stop();
});

/** One step of the property test. */
type Step =
  | { readonly kind: 'client' | 'server'; readonly message: Message }
  | { readonly kind: 'drop' | 'cut' | 'restart' | 'pause' };

const message = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.uint8Array({ minLength: 0, maxLength: 40 }),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: message.map((m) => ({ kind: 'client' as const, message: m })) },
  { weight: 6, arbitrary: message.map((m) => ({ kind: 'server' as const, message: m })) },
  { weight: 1, arbitrary: fc.constantFrom<Step>({ kind: 'drop' }, { kind: 'cut' }, { kind: 'restart' }, { kind: 'pause' }) },
);

test('property: random messages both ways, text and binary, with random faults: each side receives exactly what the other sent', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
      const e = await ends();
      const sentByClient: string[] = [];
      const sentByServer: string[] = [];
      try {
        for (const s of steps) {
          switch (s.kind) {
            case 'client':
              e.client.next(s.message);
              sentByClient.push(show(s.message));
              break;
            case 'server':
              serverSide(e).next(s.message);
              sentByServer.push(show(s.message));
              break;
            case 'drop': // the TCP connection destroyed mid-stream
              for (const c of e.server.openConnections) c.drop();
              break;
            case 'cut': // half a frame, then the connection is gone
              for (const c of e.server.openConnections) {
                c.sendRaw(new Uint8Array([0x81, 0x05, 0x44, 0x31])); // a 5-byte text frame, 2 bytes of it
                c.drop();
              }
              break;
            case 'restart':
              await e.server.restart();
              break;
            case 'pause': // the server stops reading for a while (the client's sends pile up)
              for (const c of e.server.openConnections) c.stopReading();
              await until(() => true);
              for (const c of e.server.openConnections) c.resumeReading();
              break;
          }
        }
        await until(() => e.atServer.length >= sentByClient.length && e.atClient.length >= sentByServer.length, 15_000, 'every message');
        expect(e.atServer).toEqual(sentByClient);
        expect(e.atClient).toEqual(sentByServer);
        expect(e.events.filter((x) => x.kind !== 'resumed').map((x) => x.kind)).toEqual(['new']);
      } finally {
        e.stop();
        await e.server.close();
      }
    }),
    { numRuns: 25 },
  );
}, 120_000);
