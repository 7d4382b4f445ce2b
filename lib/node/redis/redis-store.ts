// redisSessionStore(): the SessionStore of a fleet, on Redis (docs/sessions.md, "Stores: restarts
// and fleets"). Records in hashes and lists, every change in one Lua script, events on pub/sub.
import { createHash } from 'node:crypto';
import type { SessionPayload } from '../../session/protocol.js';
import { describe, fail } from '../../common/options.js';
import { reportUnhandledError } from '../../common/report-unhandled.js';
import type { ClaimedSession, SessionChange, SessionStore, SessionStoreEvent, StoredMessage } from '../session-store.js';
import { commandsOf, type Commands, type RedisClient, type Subscriber } from './client.js';
import { CLAIM, CREATE, END, EXPIRE, PUBLISH, READ_INBOX, UPDATE } from './scripts.js';

/** Options of {@link redisSessionStore}. */
export interface RedisSessionStoreOptions {
  /**
   * The client for commands: an `ioredis` client, or a connected node-redis (`redis` v4+) one,
   * kept by the application (it closes it). The store makes one more connection with its
   * `duplicate()` for pub/sub while any session is watched, and closes it after the last.
   */
  readonly client: RedisClient;
  /** What every key and channel name starts with (default `'rxws:session:'`). Give each fleet sharing a Redis its own. */
  readonly prefix?: string;
  /**
   * How long Redis keeps a session a connection holds after its last change, in ms (default
   * 24 hours): the backstop for a session whose server process died with it and whose client
   * never came back. A session without a connection is kept until its `expiresAt` (plus a minute).
   */
  readonly heldTtl?: number;
}

/** Keys of a session without a connection outlive its `expiresAt` by this much (ms), so that its server's own expiry check finds it. */
const GRACE = 60_000;
const DEFAULT_PREFIX = 'rxws:session:';
const DEFAULT_HELD_TTL = 24 * 60 * 60 * 1000;

const TEXT = 0x74; // 't'
const BINARY = 0x62; // 'b'
const COLON = 0x3a;

/** A payload as a list element: its tag (`t`, `b`) and its bytes, after `head`. */
function encodePayload(payload: SessionPayload, head = ''): string | Buffer {
  if (typeof payload === 'string') return `${head}t${payload}`;
  const bytes = ArrayBuffer.isView(payload) ? Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength) : Buffer.from(payload);
  return Buffer.concat([Buffer.from(`${head}b`), bytes]);
}

/** The payload of an element whose tag is at `at`. */
function decodePayload(element: Buffer, at: number): SessionPayload {
  const tag = element[at];
  if (tag === TEXT) return element.toString('utf8', at + 1);
  if (tag === BINARY) return element.subarray(at + 1);
  throw new Error(`redisSessionStore(): a stored message with an unknown tag (${String(tag)}): was the key written by something else?`);
}

function decodeStored(element: Buffer): StoredMessage {
  const colon = element.indexOf(COLON);
  return { seq: Number(element.toString('latin1', 0, colon)), payload: decodePayload(element, colon + 1) };
}

const asBuffers = (reply: unknown): Buffer[] => (Array.isArray(reply) ? (reply as Buffer[]) : []);
const identityArgument = (identity: string | null): string => (identity === null ? '' : `=${identity}`);

/** A script, by EVALSHA, and by EVAL when Redis does not have it yet (NOSCRIPT). */
class Script {
  readonly #source: string;
  readonly #sha: string;
  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }
  async run(commands: Commands, keys: readonly string[], args: ReadonlyArray<string | Buffer>): Promise<unknown> {
    try {
      return await commands.call(['EVALSHA', this.#sha, String(keys.length), ...keys, ...args]);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return commands.call(['EVAL', this.#source, String(keys.length), ...keys, ...args]);
    }
  }
}

const SCRIPTS = {
  create: new Script(CREATE),
  claim: new Script(CLAIM),
  update: new Script(UPDATE),
  publish: new Script(PUBLISH),
  readInbox: new Script(READ_INBOX),
  expire: new Script(EXPIRE),
  end: new Script(END),
};

/** The events of a pub/sub message ('p', 'c<holder>', 'eclosed', 'eexpired'). */
function eventOf(message: string): SessionStoreEvent | undefined {
  if (message === 'p') return { type: 'published' };
  if (message.startsWith('c')) return { type: 'claimed', holder: message.slice(1) };
  if (message === 'eclosed' || message === 'eexpired') return { type: 'ended', reason: message === 'eclosed' ? 'closed' : 'expired' };
  return undefined;
}

/**
 * A {@link SessionStore} on Redis, so that the server processes of a fleet share their sessions:
 * a client that drops from one process and reconnects (through a load balancer) to another
 * resumes there with nothing lost, and `session.next()` on a process the client has left still
 * reaches it (through Redis). Each session is a hash and two lists, every operation one Lua script
 * (so two processes never both hold a session), and its events go by pub/sub on a second
 * connection, made with the client's `duplicate()`. Keys expire in Redis too (PEXPIRE), as a
 * backstop. The client is the application's: `ioredis` or node-redis (`redis` v4+), optional
 * peer dependencies that rxws never loads itself.
 *
 * @throws TypeError naming a bad option.
 * @example
 * import Redis from 'ioredis';
 * import { WebSocketServer } from 'ws';
 * import { acceptSessions } from 'rxws/node';
 * import { redisSessionStore } from 'rxws/node/redis';
 *
 * const store = redisSessionStore({ client: new Redis(process.env.REDIS_URL) });
 * const wss = new WebSocketServer({ port: 8080, handleProtocols: acceptSessions.handleProtocols });
 * acceptSessions(wss, { store, expireAfter: 120_000 }).subscribe(serve); // the same on every process
 */
export function redisSessionStore(options: RedisSessionStoreOptions): SessionStore {
  if (options === null || typeof options !== 'object') fail('redisSessionStore()', `expects { client, prefix?, heldTtl? }, not ${describe(options)}.`);
  const commands = commandsOf(options.client);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string') fail('redisSessionStore()', `'prefix' must be a string, not ${describe(prefix)}.`);
  const heldTtl = options.heldTtl ?? DEFAULT_HELD_TTL;
  if (typeof heldTtl !== 'number' || !Number.isInteger(heldTtl) || heldTtl < 1) fail('redisSessionStore()', `'heldTtl' must be a whole number of ms ≥ 1, not ${describe(heldTtl)}.`);

  // {id}: the hash tag puts a session's keys in one Redis Cluster slot.
  const keysOf = (id: string): string[] => {
    const hash = `${prefix}{${id}}`;
    return [hash, `${hash}:replay`, `${hash}:inbox`];
  };
  const channelOf = (id: string): string => `${prefix}{${id}}:events`;
  const run = (script: Script, id: string, args: ReadonlyArray<string | Buffer>, now = Date.now()): Promise<unknown> =>
    script.run(commands, keysOf(id), [channelOf(id), String(GRACE), String(heldTtl), String(now), ...args]);

  // pub/sub: one subscriber connection while any session is watched; listeners by channel.
  const watchers = new Map<string, Set<(event: SessionStoreEvent) => void>>();
  let subscriber: Subscriber | undefined;
  const onMessage = (channel: string, message: string): void => {
    const event = eventOf(message);
    if (!event) return;
    for (const listener of [...(watchers.get(channel) ?? [])]) listener(event);
  };

  return {
    async create(record, holder) {
      const replay = record.replay.map((message) => encodePayload(message.payload, `${message.seq}:`));
      const expiresAt = record.expiresAt === null ? '' : String(record.expiresAt);
      await run(SCRIPTS.create, record.id, [holder, identityArgument(record.identity), String(record.received), String(record.sent), expiresAt, ...replay]);
    },
    async claim(id, holder, identity, now) {
      const reply = await run(SCRIPTS.claim, id, [holder, identityArgument(identity)], now);
      if (!Array.isArray(reply)) return undefined;
      const [received, sent, replay, inbox] = reply as [number, number, unknown, unknown];
      const claimed: ClaimedSession = {
        id,
        identity,
        received: Number(received),
        sent: Number(sent),
        replay: asBuffers(replay).map(decodeStored),
        expiresAt: null,
        inbox: asBuffers(inbox).map((element) => decodePayload(element, 0)),
      };
      return claimed;
    },
    async update(id, holder, change: SessionChange) {
      const { append, received, acknowledged, expiresAt, inboxTaken } = change;
      const last = append && append.length > 0 ? append[append.length - 1] : undefined;
      const args = [
        holder,
        received === undefined ? '' : String(received),
        acknowledged === undefined ? '' : String(acknowledged),
        expiresAt === undefined ? '-' : expiresAt === null ? '' : String(expiresAt),
        last ? String(last.seq) : '',
        String(inboxTaken ?? 0),
        ...(last ? append!.map((message) => encodePayload(message.payload, `${message.seq}:`)) : []),
      ];
      return Number(await run(SCRIPTS.update, id, args)) === 1;
    },
    async publish(id, payload) {
      return Number(await run(SCRIPTS.publish, id, [encodePayload(payload)])) === 1;
    },
    async readInbox(id, holder, from) {
      return asBuffers(await run(SCRIPTS.readInbox, id, [holder, String(from)])).map((element) => decodePayload(element, 0));
    },
    async expire(id, now) {
      return Number(await run(SCRIPTS.expire, id, [], now)) === 1;
    },
    async end(id) {
      await run(SCRIPTS.end, id, []);
    },
    watch(id, listener) {
      const channel = channelOf(id);
      let listeners = watchers.get(channel);
      if (!listeners) {
        listeners = new Set();
        watchers.set(channel, listeners);
        subscriber ??= commands.subscriber(onMessage);
        const subscribed = listeners;
        // Events published before the subscription took effect are not received: once it has,
        // 'published' tells the watchers to look at the inbox (a no-op when it is empty).
        subscriber.subscribe(channel).then(
          () => {
            for (const watcher of [...subscribed]) if (watchers.get(channel) === subscribed) watcher({ type: 'published' });
          },
          (error: unknown) => reportUnhandledError(error),
        );
      }
      listeners.add(listener);
      let watching = true;
      return () => {
        if (!watching) return;
        watching = false;
        const current = watchers.get(channel);
        if (!current?.delete(listener) || current.size > 0) return;
        watchers.delete(channel);
        const connection = subscriber;
        if (!connection) return;
        if (watchers.size === 0) {
          subscriber = undefined;
          connection.close().catch(reportUnhandledError);
        } else connection.unsubscribe(channel).catch(reportUnhandledError);
      };
    },
  };
}
