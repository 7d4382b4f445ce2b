import type { CloseEvent } from '../websocket/events.js';
import type { NextObserver } from 'rxjs';
import { platformWebSocket } from '../websocket/platform.js';
import type { BinaryType } from '../websocket/constants.js';
import { aFunction, checkRules, describe, fail as failAt, isOptionsObject, oneOf, type Rule } from '../common/options.js';
import type { NodeWebSocketOptions } from '../websocket/node-options.js';
import { DEFAULT_QUEUE_LIMIT, type OverflowPolicy, type QueueConfig } from './outbound-queue.js';
import { missingFromSocket, type UrlSource, type WebSocketConstructor, type WebSocketFactory, type WebSocketLike, type WebSocketMessage } from '../websocket/socket-like.js';
import { isFeature, type BackpressureOption, type HandshakeOption, type HeartbeatOption, type SessionOption } from './features.js';

/**
 * What to do when the `deserializer` throws: `'emit'` (default) reports `{ event, error }` on
 * `decodeError$` and keeps the connection and its subscribers; `'error'` errors every subscriber
 * with the deserializer's error, as `rxjs/webSocket` does (the connection then closes with 1000,
 * as for any last unsubscribe).
 */
export type DecodeErrorPolicy = 'emit' | 'error';

/**
 * The configuration of {@link webSocket}: every option of `rxjs/webSocket` 7.x, plus rxws's.
 *
 * @typeParam In what `next()` accepts (before the serializer).
 * @typeParam Out what subscribers receive (after the deserializer).
 *
 * @example
 * const ws$ = webSocket<Command, Update>({
 *   url: async () => `wss://api.example.com/live?token=${await getToken()}`,
 *   options: { headers: { 'user-agent': 'my-app' } },          // Node only
 *   queue: { limit: 1000, overflow: 'drop-oldest' },
 *   closeObserver: { next: (e) => console.log('closed', e.code) },
 * });
 */
export interface WebSocketSubjectConfig<In, Out = In> {
  /**
   * The endpoint: a string or `URL`, or a function (sync or async) read again before each
   * connection, e.g. to put a fresh token in the query string. A throw or a rejected promise
   * becomes a connection error ({@link WebSocketCloseError} 1006 with the failure as `cause`).
   * Required unless `socket` is given.
   */
  url?: UrlSource;
  /** The subprotocol(s) to offer, passed to the constructor only when truthy (as in rxjs). */
  protocol?: string | string[];
  /** @deprecated rxjs 7's alias of `deserializer`. */
  resultSelector?: (event: MessageEvent) => Out;
  /**
   * Turns a value given to `next()` into what the socket sends. Default `JSON.stringify`. It runs
   * inside `next()`: a throw is thrown to the caller, and nothing is queued or sent.
   */
  serializer?: (value: In) => WebSocketMessage;
  /**
   * Turns each `MessageEvent` into what subscribers receive. Default `e => JSON.parse(e.data)`.
   * A throw is handled as `onDecodeError` says.
   */
  deserializer?: (event: MessageEvent) => Out;
  /** Called with the `open` event of every connection (before the queue is flushed). */
  openObserver?: NextObserver<Event>;
  /** Called with the `close` event of every connection, whoever closed it. */
  closeObserver?: NextObserver<CloseEvent>;
  /** Called whenever the client starts closing a connection: `complete()`, `error()`, `close()`, `unsubscribe()`, or the last subscriber leaving. */
  closingObserver?: NextObserver<void>;
  /**
   * The WebSocket constructor. Default: rxws's `WebSocket` on Node (built on `ws`), the
   * platform's in browsers. Called as `new WebSocketCtor(url, protocol?, options?)`.
   */
  WebSocketCtor?: WebSocketConstructor;
  /**
   * Makes each connection's socket instead of `new WebSocketCtor(...)`: `(url, protocols) =>
   * socket`, or a promise of one. Handy for tests (you get the instance) and for sockets that need
   * setup. Cannot be combined with `WebSocketCtor` or `options`.
   */
  createWebSocket?: WebSocketFactory;
  /** Node only: options for rxws's `WebSocket` (headers, TLS, agent, handshakeTimeout, ...), its third constructor argument. */
  options?: NodeWebSocketOptions;
  /**
   * Set on each socket right after it is made: `'blob'` or `'arraybuffer'`; or (Node) `'nodebuffer'`,
   * passed to rxws's `WebSocket` as its Node option (also to one a `createWebSocket` factory made,
   * or an adopted `socket`).
   *
   * @example
   * webSocket<Buffer>({ url, binaryType: 'nodebuffer', deserializer: (e) => e.data as Buffer });
   */
  binaryType?: BinaryType;
  /**
   * Server side: an already-open socket to use instead of dialling, e.g.
   * `wrapWebSocket(ws, request)` for a connection a `ws` `WebSocketServer` accepted. Such a
   * subject serves that one connection: once it has closed, a new subscriber gets a `TypeError`.
   */
  socket?: WebSocketLike;
  /** The outbound queue's bound and overflow policy. Default `{ limit: 10000, overflow: 'drop-oldest' }`. */
  queue?: QueueConfig;
  /**
   * How long (ms) the connection stays open after its last subscriber left: a subscriber that
   * arrives meanwhile shares it (no new handshake; multiplexed topics left and joined again
   * meanwhile send neither their unsubscribe nor a second subscribe message); then it closes with
   * 1000. Default 0: closes at once, as `rxjs/webSocket` does. `Infinity` (or 2^31 ms and more):
   * open until `close()`. (graphql-ws's `lazyCloseTimeout`, tRPC's `lazy.closeMs`.)
   *
   * @example
   * // Route changes in an app no longer reconnect:
   * const feed$ = webSocket({ url, linger: 5_000 });
   */
  linger?: number;
  /** See {@link DecodeErrorPolicy}. Default `'emit'`. */
  onDecodeError?: DecodeErrorPolicy;
  /**
   * A send gate, made by `backpressure()`: while the socket's `bufferedAmount` is above its
   * high-water mark, `next()` queues (in the same bounded queue); writing resumes, in order, once
   * it has fallen to the low one. Without it `next()` writes at once, as `rxjs/webSocket` does
   * (`gate()`, `sendAll()`, `writableOf()`, `bufferedAmountOf()` and rxws/node's streams add a
   * gate with the default watermarks when they first use the subject);
   * `false`: never gate, even then.
   *
   * @example
   * backpressure: backpressure({ highWaterMark: 4 << 20, lowWaterMark: 1 << 20 })
   */
  backpressure?: BackpressureOption | false;
  /**
   * The on-open handshake (authentication, hello), made by `handshake(fn)`: runs when each
   * connection opens, before the queued messages are flushed; the connection is ready when the
   * observable `fn` returns completes. See {@link Handshake}.
   *
   * @example
   * handshake: handshake(({ send, messages }) => { send({ auth: token }); return messages.pipe(first((m) => m.type === 'ready')); })
   */
  handshake?: HandshakeOption<In, Out>;
  /**
   * Detects dead and half-open connections by pings (protocol pings on Node, an application-level
   * `ping` elsewhere), made by `heartbeat()`. A miss terminates the socket; subscribers error with
   * `kind: 'heartbeat'`. Off by default.
   *
   * @example
   * heartbeat: heartbeat({ interval: 20_000, timeout: 5_000 })
   */
  heartbeat?: HeartbeatOption<In, Out>;
  /**
   * A resumable session, made by `resumable()` (`rxws/session`): messages are numbered,
   * acknowledged and replayed across reconnections, so nothing is lost or repeated while the
   * session lives (docs/sessions.md). Needs a server that speaks `rxws.session.v1`.
   *
   * @example
   * session: resumable({ replayLimit: { bytes: 1 << 20, messages: 10_000 } })
   */
  session?: SessionOption;
}

/** @internal The checked configuration the subject runs on. */
export interface NormalizedConfig<In, Out> {
  url: UrlSource | undefined;
  protocol: string | string[] | undefined;
  serializer: (value: In) => WebSocketMessage;
  deserializer: (event: MessageEvent) => Out;
  openObserver: NextObserver<Event> | undefined;
  closeObserver: NextObserver<CloseEvent> | undefined;
  closingObserver: NextObserver<void> | undefined;
  /** The factory given as `createWebSocket`, if any. */
  factory: WebSocketFactory | undefined;
  /** Otherwise: the constructor given as `WebSocketCtor` (undefined: the platform's, read when each socket is made), and the Node options for its third argument. */
  Ctor: WebSocketConstructor | undefined;
  options: NodeWebSocketOptions | undefined;
  binaryType: BinaryType | undefined;
  socket: WebSocketLike | undefined;
  queueLimit: number;
  overflow: OverflowPolicy;
  onDecodeError: DecodeErrorPolicy;
  /** The send gate (undefined: none until something wants one; false: never gate). */
  backpressure: BackpressureOption | false | undefined;
  /** The user's on-open handshake (its types erased, so they do not constrain the subject's variance). */
  handshake: HandshakeOption<unknown, unknown> | undefined;
  /** The heartbeat, when on. */
  heartbeat: HeartbeatOption<unknown, unknown> | undefined;
  /** The resumable session, when on. */
  session: SessionOption | undefined;
  /** ms the connection stays open after its last subscriber left (undefined or 0: none). */
  linger: number | undefined;
}

/**
 * A normalized config: own properties for what the user set, the defaults on the prototype (a
 * subject with a URL and a few options costs a few fields, not one per option). An option without
 * a default is simply absent: reading it gives undefined.
 */
class SubjectSettings {}
const SETTINGS_DEFAULTS: Partial<NormalizedConfig<unknown, unknown>> = {
  serializer: JSON.stringify,
  deserializer: (event) => JSON.parse(event.data as string),
  queueLimit: DEFAULT_QUEUE_LIMIT,
  overflow: 'drop-oldest',
  onDecodeError: 'emit',
};
Object.assign(SubjectSettings.prototype, SETTINGS_DEFAULTS);

const WHERE = 'webSocket()';

function fail(message: string): never {
  failAt(WHERE, message);
}

const anObserver: Rule = [(value) => typeof value === 'object' && typeof (value as { next?: unknown } | null)?.next === 'function', 'an observer { next() }'];
const anObject: Rule = [isOptionsObject, 'an object'];

/**
 * The rule of a capability option: made by its function (`heartbeat: heartbeat()`); plain objects,
 * `true` or a bare function were rxws 0.1's spelling, and the message points to the migration guide.
 */
function madeBy(name: string, orFalse = false): Rule {
  return [(value) => isFeature(value, name) || (orFalse && value === false), `made by ${name}()${orFalse ? ' or false' : ''} (see docs/migration.md)`];
}

/** A count or a time in ms: `queue.limit`, `linger`. */
const aCount: Rule = [(value) => value === Infinity || (Number.isInteger(value) && (value as number) >= 0), 'a whole number >= 0 or Infinity'];

/**
 * Every option of `webSocket()` and the check of its value. The order is the order they are
 * copied in: `deserializer` after rxjs's alias `resultSelector`, so it wins when both are given.
 */
const RULES: Readonly<Record<string, Rule | null>> = {
  url: [(value) => typeof value === 'string' || value instanceof URL || typeof value === 'function', 'a string, a URL or a function'],
  protocol: [(value) => typeof value === 'string' || (Array.isArray(value) && value.every((p) => typeof p === 'string')), 'a string or string[]'],
  resultSelector: aFunction,
  serializer: aFunction,
  deserializer: aFunction,
  openObserver: anObserver,
  closeObserver: anObserver,
  closingObserver: anObserver,
  WebSocketCtor: aFunction,
  createWebSocket: aFunction,
  options: anObject,
  binaryType: oneOf(['blob', 'arraybuffer', 'nodebuffer']),
  socket: null, // checked in normalizeConfig, to say what it lacks
  queue: anObject,
  onDecodeError: oneOf(['emit', 'error']),
  linger: aCount,
  backpressure: madeBy('backpressure', true),
  handshake: madeBy('handshake'),
  heartbeat: madeBy('heartbeat'),
  session: [(value) => isFeature(value, 'session'), "made by resumable() from 'rxws/session'"],
};

const QUEUE_RULES: Readonly<Record<string, Rule>> = {
  limit: aCount,
  overflow: oneOf(['drop-oldest', 'drop-newest', 'error']),
};

/** The options that cannot be given with others (`socket` is already connected; the factory makes the socket), and those others. */
const EXCLUSIVE: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['socket', ['url', 'protocol', 'WebSocketCtor', 'createWebSocket', 'options']],
  ['createWebSocket', ['WebSocketCtor', 'options']],
];

/** The settings field each option fills, where it is not the option's own name. */
const RENAMED: Readonly<Record<string, keyof NormalizedConfig<unknown, unknown>>> = {
  WebSocketCtor: 'Ctor',
  createWebSocket: 'factory',
  resultSelector: 'deserializer',
  limit: 'queueLimit', // (of `queue`; `queue.overflow` is `overflow`)
};

/** Copies the options given (not undefined) in `source` into `settings`, in the order of `rules`. */
function copy(settings: Record<string, unknown>, source: Record<string, unknown>, rules: object): void {
  for (const key of Object.keys(rules)) {
    if (source[key] !== undefined && key !== 'queue') settings[RENAMED[key] ?? key] = source[key];
  }
}

/**
 * @internal Checks the argument of `webSocket()` and fills in the defaults.
 * @throws TypeError naming the option that is wrong.
 */
export function normalizeConfig<In, Out>(source: unknown): NormalizedConfig<In, Out> {
  if (typeof source === 'string' || source instanceof URL) source = { url: source };
  if (!isOptionsObject(source)) fail(`expected a URL or a config object, not ${describe(source)}.`);
  checkRules(WHERE, source, RULES);
  const { socket, queue } = source;
  const session = source['session'] as SessionOption | undefined;
  if (socket !== undefined) {
    const missing = missingFromSocket(socket);
    if (missing !== undefined) fail(`'socket' must be a WebSocket (e.g. wrapWebSocket(ws, request)), but ${missing}.`);
  } else if (source['url'] === undefined) {
    fail(`'url' is required (or 'socket').`);
  }
  for (const [key, others] of EXCLUSIVE) {
    for (const other of others) if (source[key] !== undefined && source[other] !== undefined) fail(`'${key}' cannot be combined with '${other}'.`);
  }
  const settings = new SubjectSettings() as Record<string, unknown>;
  copy(settings, source, RULES);
  if (queue !== undefined) {
    checkRules(WHERE, queue as Record<string, unknown>, QUEUE_RULES, 'queue');
    copy(settings, queue as Record<string, unknown>, QUEUE_RULES);
  }
  session?.configure(settings as unknown as NormalizedConfig<unknown, unknown>);
  return settings as unknown as NormalizedConfig<In, Out>;
}

/** Whether `value` can be called with `new` (checked without calling it: `newTarget` must be a constructor). */
function isConstructor(value: unknown): boolean {
  try {
    Reflect.construct(Object, [], value as new () => unknown);
    return true;
  } catch {
    return false;
  }
}

/** @internal Makes the socket of one connection, as the config says (rxjs's call shapes for the constructor). */
export function makeSocket(config: NormalizedConfig<unknown, unknown>, url: string): unknown {
  const { factory, protocol, options } = config;
  if (factory !== undefined) return factory(url, protocol);
  const Ctor = config.Ctor ?? (platformWebSocket() as WebSocketConstructor | undefined);
  if (Ctor === undefined) fail(`globalThis.WebSocket is undefined: pass 'WebSocketCtor' or 'createWebSocket'.`);
  // An arrow function or a method cannot be called with `new`: say which option, not "Ctor is not a constructor".
  if (config.Ctor !== undefined && !isConstructor(Ctor)) fail(`'WebSocketCtor' is not a constructor (a factory goes in 'createWebSocket').`);
  // Buffers are a Node option of rxws's WebSocket (its binaryType attribute takes the standard
  // values only); other constructors ignore a third argument they do not know.
  const nodeOptions = config.binaryType === 'nodebuffer' ? { ...options, binaryType: 'nodebuffer' as const } : options;
  if (protocol) return new Ctor(url, protocol, nodeOptions);
  return nodeOptions !== undefined ? new Ctor(url, undefined, nodeOptions) : new Ctor(url);
}
