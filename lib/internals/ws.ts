// Every read of the `ws` package's private state made by rxws, behind one door (see
// docs/architecture.md, "lib/internals/"). Each reach has a probe, run once at load against real
// `ws` objects, and a correct fallback taken when the probe fails (a `ws` release that renamed the
// field) or when a test sets its flag in `probes` to false. Where `ws` offers a public route
// (the TCP socket of a dialled connection comes with the 'upgrade' response; a close frame's
// arrival shows in the close code) rxws takes it and needs nothing here.
import type { Socket } from 'node:net';
import * as wsModule from 'ws';
import { WebSocket as WsSocket } from 'ws';

/**
 * What the probes found at load: `true` where `ws`'s private state is as rxws expects. Tests set
 * a flag to `false` (and restore it) to run the fallback.
 */
export const probes = {
  /** `ws._socket`: the TCP socket of a connection (null before it has one). */
  socket: false,
  /** `ws._receiver._bufferedBytes`: received bytes the parser has not consumed yet. */
  receiverBufferedBytes: false,
  /** `ws._closeFrameSent`: whether the close frame `ws` wrote has been flushed. */
  closeFrameSent: false,
};

interface WsPrivate {
  _socket?: unknown;
  _receiver?: { _bufferedBytes?: unknown } | null;
  _closeFrameSent?: unknown;
}

type ProbeReceiver = { _bufferedBytes?: unknown; write(chunk: Buffer): void; destroy(): void };

function probeWs(): void {
  let bare: WsPrivate;
  try {
    // A server-side socket without a connection: `ws` gives it every field in its constructor.
    bare = new WsSocket(null as unknown as string, undefined, {}) as unknown as WsPrivate;
    probes.socket = '_socket' in bare && bare._socket === null;
    probes.closeFrameSent = bare._closeFrameSent === false;
  } catch {
    probes.socket = probes.receiverBufferedBytes = probes.closeFrameSent = false;
    return;
  }
  try {
    // A receiver fed one byte of a frame header keeps it, and counts it. (`ws` exports its
    // Receiver class, from its ES module wrapper and as a property of its CommonJS export;
    // @types/ws does not declare it.)
    const ReceiverClass = (wsModule as unknown as { Receiver?: new (options: object) => ProbeReceiver }).Receiver;
    if (ReceiverClass === undefined) throw new Error('no Receiver');
    const receiver = new ReceiverClass({});
    const before = receiver._bufferedBytes;
    receiver.write(Buffer.from([0x81]));
    probes.receiverBufferedBytes = before === 0 && receiver._bufferedBytes === 1 && '_receiver' in bare;
    receiver.destroy();
  } catch {
    probes.receiverBufferedBytes = false;
  }
}
probeWs();

/**
 * The TCP socket under a `ws` connection that rxws did not dial (one accepted by a `ws` server
 * and wrapped without its upgrade request), or `undefined`. Buys: coalescing of a tick's writes
 * (one `writev` per tick: small text messages 5.85x raw `ws`'s rate with it, 0.81x
 * without, docs/performance.md) and a prompt close after a protocol error on such sockets. If `ws` renames `_socket`, the probe
 * fails and such sockets neither coalesce (each send is its own write, as in `ws`) nor hurry the
 * close (`ws` waits for the peer, up to 30 s): both correct.
 */
export function tcpSocketOf(ws: WsSocket): Socket | undefined {
  if (!probes.socket) return undefined;
  const socket = (ws as unknown as WsPrivate)._socket;
  return socket === null || socket === undefined ? undefined : (socket as Socket);
}

/**
 * Whether `ws` has parsed every byte it has read (true while it reports the last frame of a
 * read). Buys: the replies sent by a tick's message handlers leave as soon as the last frame of a
 * read is handled, rather than at the end of the tick (sub-µs; matters for latency under load, not
 * throughput). If `ws` renames the field, the answer is always false and corked writes leave at
 * the end of the tick, before any I/O: correct, as late as coalescing is allowed to be.
 */
export function receiverIsDrained(ws: WsSocket): boolean {
  if (!probes.receiverBufferedBytes) return false;
  return (ws as unknown as WsPrivate)._receiver?._bufferedBytes === 0;
}

/**
 * `CloseEvent.wasClean` for a connection `ws` reports closed with `code`. A close frame arrived
 * exactly when `code` is not 1006 (`ws` reports 1006 then, and rejects 1006 on the wire): that
 * part is public. The closing handshake also needs rxws's own close frame to have been written,
 * which only `ws._closeFrameSent` says (it differs when the peer drops TCP before our reply is
 * flushed). If `ws` renames it, the probe fails and a received close frame counts as the whole
 * handshake (`ws` always answers one): wrong only in that race, never for a dropped connection.
 */
export function closedCleanly(ws: WsSocket, code: number): boolean {
  if (code === 1006) return false;
  if (!probes.closeFrameSent) return true;
  return (ws as unknown as WsPrivate)._closeFrameSent === true;
}
