// The Redis client the application passes to redisSessionStore(): the few calls the store makes,
// as ioredis and node-redis (v4+) each spell them. Nothing here imports either package: the
// application's client is used as given, so neither is ever loaded by rxws itself.
import { describe, fail } from '../../common/options.js';

/** An argument of a Redis command: text (sent as UTF-8) or bytes. */
type Argument = string | Buffer;

/**
 * The part of an `ioredis` client (v5+) that {@link redisSessionStore} uses: `callBuffer` for
 * commands and scripts, and `duplicate()` for the connection that subscribes (pub/sub).
 */
export interface IoRedisClient {
  /** Sends a command; bulk replies come back as `Buffer`s. */
  callBuffer(...args: [command: string, ...args: (string | Buffer | number)[]]): Promise<unknown>;
  /** A new connection with the same options (the store subscribes on it). */
  duplicate(): IoRedisSubscriber;
}

/** The part of an `ioredis` client the store uses on its duplicate, for pub/sub. */
export interface IoRedisSubscriber {
  /** Subscribes to the channels (resolves once Redis confirmed). */
  subscribe(...channels: string[]): Promise<unknown>;
  /** Unsubscribes from the channels. */
  unsubscribe(...channels: string[]): Promise<unknown>;
  /** Listens to the messages of the subscribed channels. */
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  /** Closes the connection after the replies to what was sent. */
  quit(): Promise<unknown>;
}

/**
 * The part of a node-redis (`redis`, v4+) client that {@link redisSessionStore} uses:
 * `sendCommand` for commands and scripts, and `duplicate()` for the connection that subscribes.
 */
export interface NodeRedisClient {
  /**
   * Sends a command; the options ask for bulk replies as `Buffer`s (v4: `returnBuffers`; v5 and
   * later: `typeMapping`, bulk strings (RESP type 36, `$`) to `Buffer`).
   */
  sendCommand(args: (string | Buffer)[], options?: { returnBuffers?: boolean; typeMapping?: { readonly [type: number]: unknown } }): Promise<unknown>;
  /** A new, unconnected client with the same options (the store connects it and subscribes on it). */
  duplicate(): NodeRedisSubscriber;
}

/** The part of a node-redis client the store uses on its duplicate, for pub/sub. */
export interface NodeRedisSubscriber {
  /** Connects the duplicate (node-redis makes it unconnected). */
  connect(): Promise<unknown>;
  /** Subscribes to `channel`, calling `listener` with each message. */
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  /** Unsubscribes from `channel`. */
  unsubscribe(channel: string): Promise<unknown>;
  /** Closes the connection after the replies to what was sent. */
  quit(): Promise<unknown>;
}

/** A Redis client {@link redisSessionStore} accepts: an `ioredis` client, or a connected node-redis (`redis`) one. */
export type RedisClient = IoRedisClient | NodeRedisClient;

/** @internal A subscriber connection: subscribe and unsubscribe channels, then close. */
export interface Subscriber {
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  close(): Promise<void>;
}

/** @internal What the store needs from a client, whichever it is. */
export interface Commands {
  /** Sends a command; bulk replies as `Buffer`s, integers as numbers. */
  call(args: Argument[]): Promise<unknown>;
  /** A new connection for pub/sub; `onMessage` gets every message of the channels it subscribes. */
  subscriber(onMessage: (channel: string, message: string) => void): Subscriber;
}

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';

/** @internal The {@link Commands} of `client`; a TypeError when it is neither kind of client. */
export function commandsOf(client: RedisClient): Commands {
  const candidate = client as unknown as Record<string, unknown> | null;
  if (candidate !== null && typeof candidate === 'object' && isFunction(candidate['duplicate'])) {
    if (isFunction(candidate['callBuffer'])) return ioredisCommands(client as IoRedisClient);
    if (isFunction(candidate['sendCommand'])) return nodeRedisCommands(client as NodeRedisClient);
  }
  return fail('redisSessionStore()', `'client' must be an ioredis client or a node-redis (redis v4+) client, not ${describe(client)}.`);
}

function ioredisCommands(client: IoRedisClient): Commands {
  return {
    call: ([command, ...args]) => client.callBuffer(String(command), ...args),
    subscriber(onMessage) {
      const connection = client.duplicate();
      connection.on('message', onMessage);
      return {
        subscribe: async (channel) => void (await connection.subscribe(channel)),
        unsubscribe: async (channel) => void (await connection.unsubscribe(channel)),
        close: async () => void (await connection.quit()),
      };
    },
  };
}

/** Bulk replies as Buffers, as node-redis v4 (`returnBuffers`) and v5+ (`typeMapping` of RESP's blob string, `$`) spell it. */
const BUFFER_REPLIES = { returnBuffers: true, typeMapping: { [0x24]: Buffer } } as const;

function nodeRedisCommands(client: NodeRedisClient): Commands {
  return {
    call: (args) => client.sendCommand(args, BUFFER_REPLIES),
    subscriber(onMessage) {
      const connection = client.duplicate();
      const connected = connection.connect();
      return {
        subscribe: async (channel) => {
          await connected;
          await connection.subscribe(channel, onMessage.bind(undefined, channel) as (message: string) => void);
        },
        unsubscribe: async (channel) => {
          await connected;
          await connection.unsubscribe(channel);
        },
        close: async () => {
          await connected;
          await connection.quit();
        },
      };
    },
  };
}
