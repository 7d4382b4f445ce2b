// How the events of a `ws` socket reach the rxws WebSocket that owns it: a dialled socket reports
// through its own `emit()` (no listener entries, no EventEmitter dispatch per message); an adopted
// one through three module-level listeners. Either way, no closure per connection.
import { WebSocket as WsSocket, type RawData } from 'ws';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { hasListeners } from '../internals/node.js';
import type { BinaryType } from './constants.js';

export const kOwner = Symbol('rxws.owner');
export const kOnUpgrade = Symbol('rxws.onUpgrade');
export const kOnUnexpectedResponse = Symbol('rxws.onUnexpectedResponse');
export const kOnOpen = Symbol('rxws.onOpen');
export const kOnMessage = Symbol('rxws.onMessage');
export const kOnError = Symbol('rxws.onError');
export const kOnClose = Symbol('rxws.onClose');

/** What the owner of a `ws` socket hears (rxws's WebSocket implements it). */
export interface WsEventOwner {
  [kOnUpgrade](response: IncomingMessage): void;
  /** True when the response is handled (the handshake is retried): `ws` must not fail it. */
  [kOnUnexpectedResponse](request: ClientRequest, response: IncomingMessage): boolean;
  [kOnOpen](): void;
  [kOnMessage](data: RawData | Blob, isBinary: boolean): void;
  [kOnError](error: Error): void;
  [kOnClose](code: number, reason: Buffer): void;
}

/** Internal: adopt an accepted `ws` socket instead of dialling (see `wrapWebSocket`). */
export const kAdopt = Symbol('rxws.adopt');

/** Adoption details for a socket accepted by a `ws` server (see `wrapWebSocket`). */
export interface AdoptOptions {
  [kAdopt]: WsSocket;
  /** Its TCP socket (the upgrade request's `socket`), when known: writes are corked on it. */
  tcp?: Socket | undefined;
  coalesce?: boolean | undefined;
  binaryType?: BinaryType | undefined;
}

/** `ws`'s socket with the back-reference to the rxws `WebSocket` that owns it. */
export interface OwnedWs extends WsSocket {
  // null once retired (a handshake retried with credentials: see kOnUnexpectedResponse).
  [kOwner]: WsEventOwner | null;
}

// The listeners of an adopted socket live at module level and find their WebSocket through a
// symbol, so a connection costs no closures for them (a dialled one needs none: see DialledWs).
function onWsMessage(this: WsSocket, data: RawData | Blob, isBinary: boolean): void {
  (this as OwnedWs)[kOwner]![kOnMessage](data, isBinary);
}
function onWsError(this: WsSocket, error: Error): void {
  (this as OwnedWs)[kOwner]![kOnError](error);
}
function onWsClose(this: WsSocket, code: number, reason: Buffer): void {
  (this as OwnedWs)[kOwner]![kOnClose](code, reason);
}

/** Makes `owner` hear a socket accepted by a `ws` server (it keeps its other listeners). */
export function adoptWs(ws: WsSocket, owner: WsEventOwner): OwnedWs {
  const owned = ws as OwnedWs;
  owned[kOwner] = owner;
  owned.on('message', onWsMessage);
  owned.on('error', onWsError);
  owned.on('close', onWsClose);
  return owned;
}

type EmitArgs = [string | symbol, ...unknown[]];

/**
 * The `ws` socket we dial, with the owner's back-reference as a field of its own (declared in the
 * class, so V8 keeps it in the object rather than in an extra property store added later).
 */
export class DialledWs extends WsSocket {
  [kOwner]: WsEventOwner | null;
  constructor(owner: WsEventOwner, url: string, protocols: string[], options: ConstructorParameters<typeof WsSocket>[2]) {
    super(url, protocols, options);
    this[kOwner] = owner;
  }

  /**
   * `ws` reports everything through `emit()`: the owner hears the six events it needs first-hand
   * (no listener entries per connection, no EventEmitter dispatch per message), and whatever
   * listeners are added to this socket (rxws's heartbeat on 'pong', say) still run after it.
   */
  override emit(type: string | symbol, a?: unknown, b?: unknown): boolean {
    const owner = this[kOwner];
    // eslint-disable-next-line prefer-rest-params
    if (owner === undefined) return super.emit.apply(this, arguments as unknown as EmitArgs); // inside super()
    if (owner === null) return true; // retired: its handshake is being retried on another socket
    switch (type) {
      case 'message':
        owner[kOnMessage](a as RawData | Blob, b as boolean);
        break;
      case 'open':
        owner[kOnOpen]();
        break;
      case 'upgrade':
        owner[kOnUpgrade](a as IncomingMessage);
        break;
      case 'error':
        owner[kOnError](a as Error);
        break;
      case 'close':
        owner[kOnClose](a as number, b as Buffer);
        break;
      case 'unexpected-response':
        if (owner[kOnUnexpectedResponse](a as ClientRequest, b as IncomingMessage)) return true;
        // eslint-disable-next-line prefer-rest-params
        return super.emit.apply(this, arguments as unknown as EmitArgs);
      default:
        // eslint-disable-next-line prefer-rest-params
        return super.emit.apply(this, arguments as unknown as EmitArgs);
    }
    // (An 'error' with no listener of its own is handled: it must not reach EventEmitter's throw.)
    // eslint-disable-next-line prefer-rest-params
    if (hasListeners(this, type)) super.emit.apply(this, arguments as unknown as EmitArgs);
    return true;
  }
}
