// What the Node stream adapters share: option checks, the subject a socket stands for, the
// inbound pause, and a subscription held for the life of an adapter.
import { getNodeControls, type NodeControls } from '../websocket/controls.js';
import { hasSendGate, type HasSendGate, type SendGate } from '../subject/send-gate.js';
import { webSocket } from '../subject/web-socket.js';
import { isListenableSocket, type WebSocketLike, type WebSocketMessage } from '../websocket/socket-like.js';
import type { GateTarget } from '../operators/gate.js';

export function identity(data: WebSocketMessage): WebSocketMessage {
  return data;
}

export function dataOf(event: MessageEvent): unknown {
  return event.data;
}

export function subjectOf(socket: GateTarget, where: string): HasSendGate {
  if (hasSendGate(socket)) return socket;
  if (isListenableSocket(socket)) {
    return webSocket<WebSocketMessage, unknown>({ socket, serializer: identity, deserializer: dataOf }) as unknown as HasSendGate;
  }
  throw new TypeError(`${where}: expected a WebSocketSubject or a WebSocket, not ${socket === null ? 'null' : typeof socket}.`);
}

/** Pauses and resumes the subject's current socket for inbound flow control. */
export class InboundPause {
  readonly #gate: SendGate;
  #paused: NodeControls | undefined = undefined;
  #socket: WebSocketLike | undefined = undefined;

  constructor(gate: SendGate) {
    this.#gate = gate;
  }

  get paused(): boolean {
    return this.#paused !== undefined && this.#socket === this.#gate.currentSocket;
  }

  pause(): void {
    const socket = this.#gate.currentSocket;
    if (socket === undefined || (this.#paused !== undefined && this.#socket === socket)) return;
    const controls = getNodeControls(socket);
    if (controls === undefined) return;
    controls.pause();
    this.#paused = controls;
    this.#socket = socket;
  }

  resume(): void {
    const controls = this.#paused;
    this.#paused = undefined;
    this.#socket = undefined;
    controls?.resume();
  }
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * One adapter's subscription to the subject: held until the subject ends it (error, complete) or
 * the adapter releases it. An end that comes during `subscribe()` itself leaves nothing held.
 */
export class HeldSubscription {
  #subscription: { unsubscribe(): void } | undefined = undefined;
  #ended = false;

  constructor(
    subject: HasSendGate,
    next: ((value: never) => void) | undefined,
    onError: (error: unknown) => void,
    onComplete: () => void,
  ) {
    const subscription = subject.subscribe({
      next,
      error: (error: unknown) => {
        this.#end();
        onError(error);
      },
      complete: () => {
        this.#end();
        onComplete();
      },
    });
    if (!this.#ended) this.#subscription = subscription;
  }

  /** Unsubscribes, if still subscribed. */
  release(): void {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    subscription?.unsubscribe();
  }

  #end(): void {
    this.#ended = true;
    this.#subscription = undefined;
  }
}
