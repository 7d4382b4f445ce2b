/** What the helpers need of a socket: any WebSocket implementation has it. */
export type SocketLike = EventTarget & { readonly readyState: number };

/** Resolves with the next `type` event of `target` (rejects after `ms`). */
export function nextEvent<E extends Event = Event>(target: EventTarget, type: string, ms = 5000): Promise<E> {
  return new Promise<E>((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(type, listener);
      reject(new Error(`no '${type}' event within ${ms} ms`));
    }, ms);
    const listener = (event: Event): void => {
      clearTimeout(timer);
      resolve(event as E);
    };
    target.addEventListener(type, listener, { once: true });
  });
}

/** A record of the events `target` fires, in order, with the readyState seen in each. */
export function recordEvents(target: SocketLike, types = ['open', 'message', 'error', 'close']): string[] {
  const log: string[] = [];
  for (const type of types) {
    target.addEventListener(type, (event) => {
      const detail = type === 'close' ? ` ${(event as CloseEvent).code} ${(event as CloseEvent).wasClean}` : '';
      log.push(`${type}${detail} rs=${target.readyState}`);
    });
  }
  return log;
}

/** Resolves when `socket` has closed, with its close event. */
export function closed(socket: SocketLike, ms = 5000): Promise<CloseEvent> {
  if (socket.readyState === 3) throw new Error('already closed');
  return nextEvent<CloseEvent>(socket, 'close', ms);
}

/** Whether `value` is an ArrayBuffer from any realm (Jest runs tests in a vm context). */
export function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}

/** The bytes of a binary message's data, whatever its type. */
export async function bytesOf(data: unknown): Promise<number[]> {
  if (data instanceof Blob) return [...new Uint8Array(await data.arrayBuffer())];
  if (isArrayBuffer(data)) return [...new Uint8Array(data)];
  if (ArrayBuffer.isView(data)) return [...new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
  throw new Error(`not binary: ${String(data)}`);
}
