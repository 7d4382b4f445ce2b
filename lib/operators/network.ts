// Connectivity for reconnect(): the browser's online/offline signals, or an injected stand-in.

/**
 * What `reconnect()` reads connectivity from: `onLine`, and `online`/`offline` events. In
 * browsers it is `navigator.onLine` with the window's (or worker's) events; pass your own (an
 * `EventTarget` with an `onLine` property will do) to drive it from elsewhere, e.g. a mobile
 * app's connectivity API, or a test.
 *
 * @example
 * const network = Object.assign(new EventTarget(), { onLine: true });
 * socket.pipe(reconnect({ network }));
 * network.onLine = false; network.dispatchEvent(new Event('offline')); // attempts wait
 * network.onLine = true;  network.dispatchEvent(new Event('online'));  // retries at once
 */
export interface NetworkStatus {
  /** False while the device is known to be offline. */
  readonly onLine: boolean;
  /**
   * Calls `listener` on each `online` (or `offline`) event; `reconnect()` listens for `online`
   * while it waits.
   *
   * @example
   * network.addEventListener('online', retryNow);
   */
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  /**
   * Removes a listener added with `addEventListener`.
   *
   * @example
   * network.removeEventListener('online', retryNow);
   */
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

interface GlobalWithNetwork {
  navigator?: { onLine?: unknown };
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
}

/** The platform's connectivity (browsers, workers), or `undefined` where there is none (Node). */
export function defaultNetwork(): NetworkStatus | undefined {
  const global = globalThis as GlobalWithNetwork;
  const navigator = global.navigator;
  if (typeof navigator?.onLine !== 'boolean' || typeof global.addEventListener !== 'function' || typeof global.removeEventListener !== 'function') return undefined;
  return {
    get onLine() {
      return navigator.onLine !== false;
    },
    addEventListener: (type, listener) => global.addEventListener!(type, listener),
    removeEventListener: (type, listener) => global.removeEventListener!(type, listener),
  };
}
