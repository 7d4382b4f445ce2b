// What provideWebSocket() accepts: rxws's subject config plus the Angular-only `ssr` option, or a
// factory of it run in an injection context.
import type { WebSocketSubjectConfig } from '../subject/index.js';

/**
 * What a connection does on the server platform (server-side rendering):
 *
 * - `'skip'` (the default): no socket is opened; subscribers receive nothing, `next()` is
 *   dropped, `connectionState()` stays `'idle'`, so rendering completes and the app is stable;
 * - `'connect'`: the connection works as in the browser (rxws's Node `WebSocket`). It delays
 *   the render only while the app waits for what it needs.
 *
 * @example
 * provideWebSocket(PRICES, { url: 'wss://prices.example.com', ssr: 'connect' });
 */
export type SsrMode = 'skip' | 'connect';

/**
 * The option rxws/angular adds to rxws's config.
 *
 * @example
 * provideWebSocket(LIVE, { url: '/live', ssr: 'connect' });
 */
export interface AngularOptions {
  /** What the connection does during server-side rendering (default `'skip'`: no socket). */
  ssr?: SsrMode;
}

/**
 * The config of an Angular connection: a URL, or rxws's {@link WebSocketSubjectConfig} plus
 * {@link AngularOptions | `ssr`}.
 *
 * @example
 * const config: AngularWebSocketConfig<Command, Update> = { url: '/live', heartbeat: true, ssr: 'skip' };
 */
export type AngularWebSocketConfig<In, Out = In> = string | URL | (WebSocketSubjectConfig<In, Out> & AngularOptions);

/**
 * An {@link AngularWebSocketConfig}, or a function returning one, called once per connection
 * in an injection context (so it may call `inject()`).
 *
 * @example
 * provideWebSocket(LIVE, () => ({ url: inject(API_URL) + '/live' }));
 */
export type WebSocketConfigSource<In, Out = In> = AngularWebSocketConfig<In, Out> | (() => AngularWebSocketConfig<In, Out>);

/** @internal A config split into rxws's part and the SSR mode. */
export interface ResolvedConfig<In, Out> {
  readonly subject: string | URL | WebSocketSubjectConfig<In, Out>;
  readonly ssr: SsrMode;
}

const SSR_MODES: readonly string[] = ['skip', 'connect'];

/**
 * @internal Calls a config factory (in the caller's injection context) and splits off `ssr`.
 * @throws TypeError for a config that is not a URL, an object or a function returning one, or
 * for an unknown `ssr` mode (rxws's own options are checked by `webSocket()`).
 */
export function resolveConfig<In, Out>(source: WebSocketConfigSource<In, Out>): ResolvedConfig<In, Out> {
  const config = typeof source === 'function' ? source() : source;
  if (typeof config === 'string' || config instanceof URL) return { subject: config, ssr: 'skip' };
  if (config === null || typeof config !== 'object') {
    throw new TypeError(`provideWebSocket(): the config must be a URL, a config object or a function returning one; got ${config === null ? 'null' : typeof config}.`);
  }
  const { ssr = 'skip', ...subject } = config;
  if (!SSR_MODES.includes(ssr)) throw new TypeError(`provideWebSocket(): 'ssr' must be 'skip' or 'connect'; got ${JSON.stringify(ssr)}.`);
  return { subject, ssr };
}
