// The data of messages, both ways: what `ws` delivers converted to the socket's `binaryType`, and
// the copies sending needs.
import type { RawData } from 'ws';
import type { BinaryType } from './constants.js';

/** What `ws` delivered (per its `binaryType`) as this socket's `binaryType` asks. */
export function toBinaryType(data: RawData | Blob, type: BinaryType): Buffer | ArrayBuffer | Blob {
  // Only from an adopted socket whose owner chose 'blob': it cannot be read synchronously.
  if (data instanceof Blob) return data;
  const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  if (type === 'nodebuffer') return buffer;
  if (type === 'blob') return new Blob([buffer as Uint8Array<ArrayBuffer>]);
  // The whole backing store when the Buffer owns it (large messages), else a copy of its bytes.
  return buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength
    ? (buffer.buffer as ArrayBuffer)
    : (buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer);
}

/** The text of a text message, whatever the `binaryType` of an adopted `ws` socket. */
export function textOf(data: RawData | Blob): string {
  if (Buffer.isBuffer(data)) return data.toString();
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return Buffer.from(data as ArrayBuffer).toString();
}

/** A copy of bytes the caller may reuse before they are written. */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes);
}

/** `MessageEvent.origin`: the URL's origin ('' for no URL, as a wrapped socket without request has). */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

let warnedNodebufferAttribute = false;
/** Once per process: `binaryType = 'nodebuffer'` is ignored now, as the spec asks. */
export function warnNodebufferAttribute(): void {
  if (warnedNodebufferAttribute) return;
  warnedNodebufferAttribute = true;
  process.emitWarning(
    "WebSocket: binaryType 'nodebuffer' is not a standard value and is ignored; pass { binaryType: 'nodebuffer' } as the constructor's third argument (the Node options) to receive Buffers.",
    { code: 'RXWS_NODEBUFFER_ATTRIBUTE' },
  );
}
