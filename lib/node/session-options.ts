// The options of acceptSessions(): their types, defaults and checks.
import type { IncomingMessage } from 'node:http';
import { checkFunction, checkNumber, checkOneOf, checkOptions, describe, fail } from '../common/options.js';
import type { OverflowPolicy, QueueConfig } from '../subject/outbound-queue.js';
import type { SessionPayload } from '../session/protocol.js';
import { SESSION_DEFAULTS, type ReplayLimit } from '../session/options.js';
import type { SessionMessage } from './session-message.js';
import { memorySessionStore, type SessionStore } from './session-store.js';

/** @internal Default `expireAfter`: a session without a connection is kept 2 minutes. */
export const DEFAULT_EXPIRE_AFTER = 120_000;
// The acknowledgement and replay defaults are the client's (`SESSION_DEFAULTS` of rxws/session): one protocol, one set.
/** @internal Default `ackInterval` (ms): an idle receiver acknowledges within 50 ms. */
export const DEFAULT_ACK_INTERVAL = SESSION_DEFAULTS.ackInterval;
/** @internal Default `ackEvery`: an acknowledgement at once when 100 messages are unacknowledged. */
export const DEFAULT_ACK_EVERY = SESSION_DEFAULTS.ackEvery;
/** @internal Default `replayLimit`: 1 MiB and 10,000 messages. */
export const DEFAULT_REPLAY_LIMIT = { bytes: SESSION_DEFAULTS.replayBytes, messages: SESSION_DEFAULTS.replayMessages } as const;
/** @internal Default `queue.limit`: 10,000 messages (as `webSocket()`'s). */
export const DEFAULT_SESSION_QUEUE_LIMIT = 10_000;

/** The largest delay `setTimeout` takes (about 24.8 days). */
const MAX_DELAY = 2 ** 31 - 1;

/** What a {@link AcceptSessionsOptions.identify} function may answer: who the client is, or null/undefined for nobody in particular. */
export type SessionIdentity = string | number | null | undefined;

/**
 * The options of {@link acceptSessions}.
 *
 * @typeParam In what each `Session`'s `next()` accepts (before the serializer).
 * @typeParam Out what its subscribers receive (after the deserializer).
 *
 * @example
 * acceptSessions<Fill, Order>(wss, {
 *   store: memorySessionStore(),
 *   expireAfter: 60_000,
 *   identify: (request) => userOf(request.headers.cookie),
 *   replayLimit: { bytes: 4 << 20, messages: 50_000 },
 *   queue: { limit: 1000, overflow: 'drop-oldest' },
 * });
 */
export interface AcceptSessionsOptions<In = unknown, Out = In> {
  /** Where the sessions' state is kept. Default: a {@link memorySessionStore} of this call's own. Share one to let several servers (or a restarted one) resume each other's sessions. */
  store?: SessionStore;
  /** How long (ms) a session is kept without a connection before it expires. Default 120,000. */
  expireAfter?: number;
  /**
   * Who the client of an upgrade request is (from its cookie, a token…), may be async. A session
   * created for one identity resumes only for the same identity; anyone else gets a new session.
   * A throw or rejection refuses the connection (close 1008).
   */
  identify?: (request: IncomingMessage) => SessionIdentity | PromiseLike<SessionIdentity>;
  /** The replay buffer's bounds. Default `{ bytes: 1 MiB, messages: 10,000 }`. */
  replayLimit?: ReplayLimit;
  /** The queue of messages waiting for room in the replay buffer: its bound and overflow policy, as `webSocket()`'s. Default `{ limit: 10000, overflow: 'drop-oldest' }`. */
  queue?: QueueConfig;
  /** The longest (ms) a received message waits for an acknowledgement when the server has nothing to send. Default 50. */
  ackInterval?: number;
  /** Acknowledge at once when this many received messages are unacknowledged. Default 100. */
  ackEvery?: number;
  /** Turns a value given to `next()` into a message: a string (text) or a `Buffer`, `ArrayBuffer` or typed array (binary). Default `JSON.stringify`. */
  serializer?: (value: In) => SessionPayload;
  /** Turns each client message into what subscribers receive. Default: text is parsed as JSON, binary is given as its `Buffer`. */
  deserializer?: (message: SessionMessage) => Out;
}

/** @internal The checked options. */
export interface SessionSettings<In, Out> {
  readonly store: SessionStore;
  readonly expireAfter: number;
  readonly identify: ((request: IncomingMessage) => SessionIdentity | PromiseLike<SessionIdentity>) | undefined;
  readonly replayBytes: number;
  readonly replayMessages: number;
  readonly queueLimit: number;
  readonly overflow: OverflowPolicy;
  readonly ackInterval: number;
  readonly ackEvery: number;
  readonly serializer: (value: In) => SessionPayload;
  readonly deserializer: (message: SessionMessage) => Out;
}

const WHERE = 'acceptSessions()';
const KNOWN = ['store', 'expireAfter', 'identify', 'replayLimit', 'queue', 'ackInterval', 'ackEvery', 'serializer', 'deserializer'];
const STORE_METHODS = ['create', 'claim', 'update', 'publish', 'readInbox', 'expire', 'end', 'watch'] as const;

function defaultSerializer(value: unknown): SessionPayload {
  return JSON.stringify(value);
}

function defaultDeserializer(message: SessionMessage): never {
  return (typeof message.data === 'string' ? JSON.parse(message.data) : message.data) as never;
}

/**
 * @internal Checks the options of `acceptSessions()` and fills in the defaults.
 * @throws TypeError naming the option that is wrong.
 */
export function checkSessionOptions<In, Out>(options: unknown): SessionSettings<In, Out> {
  const o = checkOptions(WHERE, options, 'options', KNOWN);
  const store = o['store'];
  if (store !== undefined) {
    const missing = store === null || typeof store !== 'object' ? undefined : STORE_METHODS.find((m) => typeof (store as Record<string, unknown>)[m] !== 'function');
    if (store === null || typeof store !== 'object' || missing !== undefined) {
      fail(WHERE, `'store' must be a SessionStore (e.g. memorySessionStore())${missing ? `, but its '${missing}' is not a function` : `, not ${describe(store)}`}.`);
    }
  }
  const expireAfter = checkNumber(WHERE, o['expireAfter'], 'expireAfter', DEFAULT_EXPIRE_AFTER, 0, true, false);
  if (expireAfter > MAX_DELAY) fail(WHERE, `'expireAfter' must be at most ${MAX_DELAY} ms (about 24 days), not ${expireAfter}.`);
  const ackInterval = checkNumber(WHERE, o['ackInterval'], 'ackInterval', DEFAULT_ACK_INTERVAL, 0, true, false);
  if (ackInterval > MAX_DELAY) fail(WHERE, `'ackInterval' must be at most ${MAX_DELAY} ms, not ${ackInterval}.`);
  const ackEvery = checkNumber(WHERE, o['ackEvery'], 'ackEvery', DEFAULT_ACK_EVERY, 1, true, false);
  for (const name of ['identify', 'serializer', 'deserializer']) checkFunction(WHERE, o[name], name);
  let replayBytes: number = DEFAULT_REPLAY_LIMIT.bytes;
  let replayMessages: number = DEFAULT_REPLAY_LIMIT.messages;
  if (o['replayLimit'] !== undefined) {
    const limit = checkOptions(WHERE, o['replayLimit'], 'replayLimit', ['bytes', 'messages']);
    replayBytes = checkNumber(WHERE, limit['bytes'], 'replayLimit.bytes', replayBytes, 1, true, true);
    replayMessages = checkNumber(WHERE, limit['messages'], 'replayLimit.messages', replayMessages, 1, true, true);
  }
  let queueLimit = DEFAULT_SESSION_QUEUE_LIMIT;
  let overflow: OverflowPolicy = 'drop-oldest';
  if (o['queue'] !== undefined) {
    const queue = checkOptions(WHERE, o['queue'], 'queue', ['limit', 'overflow']);
    queueLimit = checkNumber(WHERE, queue['limit'], 'queue.limit', queueLimit, 0, true, true);
    checkOneOf(WHERE, queue['overflow'], 'queue.overflow', ['drop-oldest', 'drop-newest', 'error']);
    overflow = (queue['overflow'] as OverflowPolicy | undefined) ?? overflow;
  }
  return {
    store: (store as SessionStore | undefined) ?? memorySessionStore(),
    expireAfter,
    identify: o['identify'] as SessionSettings<In, Out>['identify'],
    replayBytes,
    replayMessages,
    queueLimit,
    overflow,
    ackInterval,
    ackEvery,
    serializer: (o['serializer'] as SessionSettings<In, Out>['serializer'] | undefined) ?? defaultSerializer,
    deserializer: (o['deserializer'] as SessionSettings<In, Out>['deserializer'] | undefined) ?? defaultDeserializer,
  };
}
