// The engine of a WebSocketSubject: one connection at a time, the outbound queue that outlives
// connections, and the passive event streams. Kept apart from the public class so the class's
// surface is only its API.
import { parseCloseArguments } from '../websocket/close-code.js';
import { Connection, OPEN } from './connection.js';
import type { NormalizedConfig } from './config.js';
import { ClosingEngine } from './engine-close.js';


/**
 * @internal The state and behaviour behind a `WebSocketSubject`, in layers: engine-state.ts (what
 * it keeps), engine-connect.ts (connecting and opening), engine-close.ts (every close path), and
 * here, sending.
 */
export class SubjectCore<In, Out> extends ClosingEngine<In, Out> {
  constructor(config: NormalizedConfig<In, Out>) {
    super(config);
    const backpressure = config.backpressure;
    if (backpressure) this.gate = backpressure.create(this);
    this.session = config.session?.create(this);
    if (config.socket !== undefined) {
      // Server side: the socket is already connected (usually OPEN). Watch it from now on, so the
      // passive streams see it even before anyone subscribes.
      const connection = new Connection(this);
      this.current = connection;
      this.adopt(connection, config.socket, false);
    }
  }

  next(value: In): void {
    const data = this.config.serializer(value);
    const socket = this.openSocket;
    if (socket !== null && this.queued === 0 && !this.gated && socket.readyState === OPEN) {
      (this.session ?? socket).send(data); // a session numbers it and keeps it for replay
      this.gate?.written(socket);
      return;
    }
    this.queue.push(data);
  }

  /** Sends the queued messages in order, in one loop, while the socket stays OPEN and the send gate open. */
  flush(): void {
    const queue = this.queueIfAny;
    const socket = this.openSocket;
    if (socket === null || queue === undefined) return;
    while (queue.length > 0 && !this.gated && this.openSocket === socket && socket.readyState === OPEN) {
      const data = queue.shift()!;
      try {
        (this.session ?? socket).send(data);
      } catch (error) {
        queue.dropped(data, error);
        continue;
      }
      this.gate?.written(socket);
    }
  }

  // ---- closing ---------------------------------------------------------------------------
}

/** Checks the argument of `error()` / `close()`: a code the client may send, and a short reason. */
export function parseClientClose(code: unknown, reason: unknown): { code: number; reason: string } {
  const request = parseCloseArguments(code, reason);
  return { code: request.code ?? 1000, reason: request.reason };
}
