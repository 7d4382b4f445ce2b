// The SharedWorker variant: a SharedWorker owns each shared connection's socket and serves the tabs
// over their ports (docs/shared.md). The app's worker script calls serveSharedWebSockets().
import type { WebSocketMessage } from '../websocket/socket-like.js';
import type { SharedSession } from './session-parts.js';
import { SharedLeader } from './leader.js';
import { WORKER, type Relay, type TabId, type WorkerConnect } from './protocol.js';

/** One shared connection in the worker: its leader and the port of each tab using it. */
interface Served {
  readonly leader: SharedLeader;
  readonly ports: Map<TabId, MessagePort>;
}

/** What {@link serveSharedWebSockets} takes. */
export interface ServeSharedOptions {
  /**
   * For connections whose tabs pass `session: sharedSession(resumable(options))`: makes the
   * worker's session from the options the tabs gave to `resumable()` (functions cannot reach the
   * worker). A tab that asks for a session from a worker without it gets an error (its
   * subscribers error).
   * @example
   * import { serveSharedWebSockets } from 'rxws/shared';
   * import { sharedSession } from 'rxws/shared/session';
   * import { resumable } from 'rxws/session';
   * serveSharedWebSockets({ session: (options) => sharedSession(resumable(options)) });
   */
  readonly session?: (options: never) => SharedSession;
}

/**
 * Makes this SharedWorker own the sockets of the `sharedWebSocket({ worker })` connections of
 * every tab that starts it: one socket per `name` and URL, served to the tabs over their ports.
 * Call it once in the app's worker script (bundled by the app like any worker of its own).
 *
 * @example
 * // socket-worker.ts, the app's SharedWorker script
 * import { serveSharedWebSockets } from 'rxws/shared';
 * serveSharedWebSockets(); // or with { session } for sessions (see ServeSharedOptions)
 *
 * // in every tab
 * const prices = sharedWebSocket<Command, Update>({
 *   url: 'wss://example.com/prices',
 *   name: 'prices',
 *   worker: () => new SharedWorker(new URL('./socket-worker.ts', import.meta.url), { type: 'module' }),
 * });
 */
export function serveSharedWebSockets(options: ServeSharedOptions = {}): void {
  const served = new Map<string, Served>();
  const serve = ({ key, url, protocol, binaryType, session }: WorkerConnect): Served => {
    let connection = served.get(key);
    if (connection) return connection;
    const ports = new Map<TabId, MessagePort>();
    if (session && !options.session) throw new TypeError('serveSharedWebSockets(): a tab asked for a session: pass { session: (options) => sharedSession(resumable(options)) }.');
    const config = {
      url,
      protocol,
      binaryType,
      serializer: (data: WebSocketMessage) => data,
      deserializer: (event: MessageEvent) => event.data as unknown,
    };
    const leader = new SharedLeader(config, {
      id: WORKER,
      key,
      post: (relay: Relay) => {
        if ('to' in relay) ports.get(relay.to)?.postMessage(relay);
        else for (const port of ports.values()) port.postMessage(relay);
      },
      gone: (tab) => ports.delete(tab),
      ...(session && { session: options.session!(session as never) }),
    });
    served.set(key, (connection = { leader, ports }));
    return connection;
  };
  globalThis.addEventListener('connect', (event) => {
    const port = (event as MessageEvent).ports[0]!;
    let connection: Served | undefined;
    port.onmessage = ({ data }: MessageEvent<Relay>) => {
      if (data.t !== 'connect') return connection?.leader.receive(data);
      try {
        connection = serve(data.connect);
      } catch (error) {
        port.postMessage({ t: 'end', close: { code: 1011, reason: String(error), wasClean: false } } satisfies Relay);
        return;
      }
      connection.ports.set(data.from, port);
      port.postMessage(connection.leader.announcement);
    };
  });
}
