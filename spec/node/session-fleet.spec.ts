// A fleet: two real server processes (spec/node/fleet/server-process.mjs, the built package) sharing
// one real redis-server through redisSessionStore(), and rxws's client (webSocket + resumable +
// reconnect) switching process on every reconnect. Random messages both ways, text and binary,
// with random faults (a dropped TCP connection, a frame cut in half, a paused reader, a process
// restarted): each side's application receives exactly what the other sent, once, in the order
// of each sending process.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { webSocket, reconnect, type SessionEvent, type WebSocketSubject } from 'rxws';
import { resumable } from 'rxws/session';
import { startRedisServer, type RedisServer } from './fleet/redis-server.js';
import { until } from './session-helpers.js';

type Message = string | Uint8Array;
type FromChild =
  | { readonly op: 'ready'; readonly port: number }
  | { readonly op: 'session'; readonly id: string }
  | { readonly op: 'received'; readonly id: string; readonly message: Message };

const SCRIPT = join(__dirname, 'fleet', 'server-process.mjs');
const EXPIRE_AFTER = 60_000;
let redis: RedisServer;

/** One server process; restart() stops it gracefully and forks it again on the same port. */
class ServerProcess {
  #child: ChildProcess | undefined;
  #port = 0;
  /** The session ids this process (since its last start) has a Session object for. */
  readonly sessions = new Set<string>();
  /** What this process's Sessions received, by session id, in order (across restarts). */
  readonly received = new Map<string, Message[]>();

  constructor(readonly name: string, readonly prefix: string) {}

  get url(): string {
    return `ws://127.0.0.1:${this.#port}`;
  }

  async start(): Promise<void> {
    const child = fork(SCRIPT, [], {
      env: { ...process.env, REDIS_PORT: String(redis.port), PREFIX: this.prefix, PORT: String(this.#port), EXPIRE_AFTER: String(EXPIRE_AFTER) },
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child = child;
    this.sessions.clear();
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`server process ${this.name} exited (${code}) before it was ready`)));
      child.on('message', (message: FromChild) => {
        if (message.op === 'ready') {
          this.#port = message.port;
          resolve();
        } else if (message.op === 'session') this.sessions.add(message.id);
        else {
          const list = this.received.get(message.id) ?? [];
          list.push(message.message);
          this.received.set(message.id, list);
        }
      });
    });
    await ready;
  }

  command(command: { op: 'send'; id: string; message: Message } | { op: 'drop' | 'cut' | 'pause' }): void {
    this.#child!.send(command);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.send({ op: 'stop' });
    const code = await exited;
    if (code !== 0) throw new Error(`server process ${this.name} exited with ${code}`);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  kill(): void {
    this.#child?.kill('SIGKILL');
  }
}

let fleet: [ServerProcess, ServerProcess];

beforeAll(async () => {
  redis = await startRedisServer();
  const prefix = `rxws:fleet:${process.pid}:`;
  fleet = [new ServerProcess('A', prefix), new ServerProcess('B', prefix)];
  await Promise.all(fleet.map((p) => p.start()));
}, 60_000);

afterAll(async () => {
  await Promise.all((fleet ?? []).map((p) => p.stop().catch(() => p.kill())));
  await redis?.stop();
}, 60_000);

/** A message made unique by its index (text: a prefix; bytes: two leading bytes), so that "once" can be checked. */
const unique = (index: number, message: Message): Message =>
  typeof message === 'string' ? `${index}:${message}` : new Uint8Array([index >> 8, index & 0xff, ...message]);
const show = (m: Message): string => (typeof m === 'string' ? m : `0x${Buffer.from(m).toString('hex')}`);

interface Client {
  readonly subject: WebSocketSubject<Message, Message>;
  readonly received: Message[];
  readonly events: SessionEvent[];
  readonly connectedTo: ServerProcess[];
  stop(): void;
}

/** rxws's client, going to the other process on each connection attempt. */
async function client(): Promise<Client> {
  let attempt = 0;
  const connectedTo: ServerProcess[] = [];
  const subject = webSocket<Message, Message>({
    url: () => {
      const target = fleet[attempt++ % 2]!;
      connectedTo.push(target);
      return target.url;
    },
    serializer: (m) => m,
    deserializer: (e) => (typeof e.data === 'string' ? e.data : new Uint8Array(e.data as ArrayBuffer)),
    session: resumable({ ackInterval: 10 }),
  });
  const received: Message[] = [];
  const events: SessionEvent[] = [];
  subject.session$.subscribe((e) => events.push(e));
  const subscription = subject.pipe(reconnect({ initialDelay: 5, maxDelay: 50 })).subscribe((m) => received.push(m));
  await until(() => events.length === 1, 10_000, 'the session');
  return { subject, received, events, connectedTo, stop: () => subscription.unsubscribe() };
}

type Step =
  | { readonly kind: 'client'; readonly message: Message }
  | { readonly kind: 'server'; readonly message: Message; readonly via: number }
  | { readonly kind: 'drop' | 'cut' | 'pause' | 'restart'; readonly on: number };

const message = fc.oneof(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }));
const processIndex = fc.integer({ min: 0, max: 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: message.map((m) => ({ kind: 'client' as const, message: m })) },
  { weight: 6, arbitrary: fc.record({ message, via: processIndex }).map(({ message: m, via }) => ({ kind: 'server' as const, message: m, via })) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('drop' as const, 'cut' as const, 'pause' as const, 'restart' as const), on: processIndex }) },
);

test('property: two processes on one Redis, the client switching process on every reconnect: each side receives exactly what the other sent', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 40 }), async (steps) => {
      const c = await client();
      const id = c.events[0]!.id;
      const sentByClient: Message[] = [];
      const sentByServer = new Map<ServerProcess, Message[]>(fleet.map((p) => [p, []]));
      try {
        for (const [index, s] of steps.entries()) {
          switch (s.kind) {
            case 'client': {
              const m = unique(index, s.message);
              c.subject.next(m);
              sentByClient.push(m);
              break;
            }
            case 'server': {
              // Through a process that has a Session for the id (the one the client is on, or one it left).
              const via = [fleet[s.via]!, fleet[1 - s.via]!].find((p) => p.sessions.has(id));
              if (!via) break; // both restarted since: no Session object anywhere until the client comes back
              const m = unique(index, s.message);
              via.command({ op: 'send', id, message: m });
              sentByServer.get(via)!.push(m);
              break;
            }
            case 'restart':
              await fleet[s.on]!.restart();
              break;
            default:
              fleet[s.on]!.command({ op: s.kind });
          }
        }
        const total = [...sentByServer.values()].reduce((n, list) => n + list.length, 0);
        const atServers = (): Message[] => fleet.flatMap((p) => p.received.get(id) ?? []);
        await until(() => c.received.length >= total && atServers().length >= sentByClient.length, 20_000, 'every message');
        // The client: every server message once; each process's messages in the order it sent them.
        expect(c.received.map(show).sort()).toEqual([...sentByServer.values()].flat().map(show).sort());
        for (const [p, sent] of sentByServer) {
          const mine = new Set(sent.map(show));
          expect(c.received.map(show).filter((m) => mine.has(m))).toEqual(sent.map(show));
        }
        // The servers: every client message once, each process's share in the client's order.
        expect(atServers().map(show).sort()).toEqual(sentByClient.map(show).sort());
        const order = new Map(sentByClient.map((m, i) => [show(m), i]));
        for (const p of fleet) {
          const indexes = (p.received.get(id) ?? []).map((m) => order.get(show(m))!);
          expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
        }
        expect(c.events.map((e) => e.kind).filter((kind) => kind !== 'resumed')).toEqual(['new']);
      } finally {
        c.stop();
      }
    }),
    { numRuns: 12 },
  );
}, 300_000);

test('a client that drops from A resumes on B: what A sent while it was away, and what A sends after, reach it on B', async () => {
  const c = await client();
  const id = c.events[0]!.id;
  const [a, b] = c.connectedTo[0] === fleet[0] ? fleet : [fleet[1], fleet[0]];
  await until(() => a.sessions.has(id), 10_000, 'the Session on the first process');
  c.subject.next('on A');
  await until(() => (a.received.get(id) ?? []).length === 1, 10_000, 'the message on A');
  a.command({ op: 'drop' });
  a.command({ op: 'send', id, message: 'sent by A while away' });
  await until(() => b.sessions.has(id), 10_000, 'the resume on B');
  a.command({ op: 'send', id, message: 'sent by A, the client on B' });
  c.subject.next('on B');
  await until(() => c.received.length === 2 && (b.received.get(id) ?? []).length === 1, 10_000, 'both ways');
  expect(c.received).toEqual(['sent by A while away', 'sent by A, the client on B']);
  expect(a.received.get(id)).toEqual(['on A']);
  expect(b.received.get(id)).toEqual(['on B']);
  expect(c.events.map((e) => e.kind)).toEqual(['new', 'resumed']);
  c.stop();
}, 60_000);
