// Raw WebSocket frames (RFC 6455 section 5.2) for `connection.sendRaw()`: the only way to make a
// well-behaved `ws` server say something a client must reject, to test how it fails.
import type { FrameData } from './codec.js';

/** What {@link buildFrame} writes. */
export interface FrameSpec {
  /** 0x0 continuation, 0x1 text, 0x2 binary, 0x8 close, 0x9 ping, 0xA pong; others are reserved. */
  opcode: number;
  /** The payload; a string is UTF-8 encoded. Default: empty. */
  payload?: FrameData | readonly number[];
  /** The FIN bit. Default `true`. */
  fin?: boolean;
  /** The RSV1 bit ("compressed" under permessage-deflate). Default `false`. */
  rsv1?: boolean;
  /** The RSV2 bit (no extension defines it: a client must fail the connection). Default `false`. */
  rsv2?: boolean;
  /** The RSV3 bit (no extension defines it: a client must fail the connection). Default `false`. */
  rsv3?: boolean;
  /** Mask the payload, as only clients may (a client must fail a masked server frame). Default `false`. */
  mask?: boolean;
  /** The length to declare in the header, when it should differ from the payload's (oversize frames). */
  declaredLength?: number;
}

/** Encodes one frame, byte for byte as `spec` says, valid or not. */
export function buildFrame(spec: FrameSpec): Uint8Array {
  const payload =
    typeof spec.payload === 'string'
      ? new TextEncoder().encode(spec.payload)
      : Uint8Array.from(spec.payload ?? []);
  const length = spec.declaredLength ?? payload.length;
  const mask = spec.mask === true;
  const extended = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = new Uint8Array(2 + extended + (mask ? 4 : 0));
  header[0] =
    (spec.fin === false ? 0 : 0x80) |
    (spec.rsv1 ? 0x40 : 0) |
    (spec.rsv2 ? 0x20 : 0) |
    (spec.rsv3 ? 0x10 : 0) |
    (spec.opcode & 0x0f);
  header[1] = (mask ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  const view = new DataView(header.buffer);
  if (extended === 2) view.setUint16(2, length);
  if (extended === 8) view.setBigUint64(2, BigInt(length));
  const body = payload.slice();
  if (mask) {
    const key = [0x37, 0xfa, 0x21, 0x3d];
    header.set(key, 2 + extended);
    for (let i = 0; i < body.length; i++) body[i] = (body[i] ?? 0) ^ (key[i % 4] ?? 0);
  }
  const frame = new Uint8Array(header.length + body.length);
  frame.set(header);
  frame.set(body, header.length);
  return frame;
}

/**
 * Ready-made invalid frames, each named after the close code a conforming client answers with.
 *
 * @example
 * connection.sendRaw(frames.invalidUtf8()); // the client closes with 1007
 */
export const frames = {
  /** A text frame whose payload is not UTF-8 → the client closes with 1007 (invalid payload data). */
  invalidUtf8(): Uint8Array {
    return buildFrame({ opcode: 0x1, payload: [0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xff, 0xfe] });
  },
  /** A frame with a reserved opcode (0x3 by default) → the client closes with 1002 (protocol error). */
  reservedOpcode(opcode = 0x3): Uint8Array {
    return buildFrame({ opcode, payload: 'x' });
  },
  /** A text frame with RSV2 set, which no extension negotiated → 1002. */
  reservedBits(): Uint8Array {
    return buildFrame({ opcode: 0x1, payload: 'x', rsv2: true });
  },
  /** A masked frame: servers must not mask → 1002. */
  masked(): Uint8Array {
    return buildFrame({ opcode: 0x1, payload: 'masked', mask: true });
  },
  /** A ping split across frames: control frames must not be fragmented → 1002. */
  fragmentedPing(): Uint8Array {
    return buildFrame({ opcode: 0x9, payload: 'p', fin: false });
  },
  /**
   * The header of a binary frame declaring `length` payload bytes (none follow): a client whose
   * maximum message size is smaller closes with 1009 (message too big) as soon as it reads it.
   */
  oversize(length: number): Uint8Array {
    return buildFrame({ opcode: 0x2, declaredLength: length });
  },
  /** A well-formed close frame, written raw (e.g. to send a code `ws` would refuse, like 1005). */
  close(code?: number, reason = ''): Uint8Array {
    if (code === undefined) return buildFrame({ opcode: 0x8 });
    const text = new TextEncoder().encode(reason);
    const payload = new Uint8Array(2 + text.length);
    new DataView(payload.buffer).setUint16(0, code);
    payload.set(text, 2);
    return buildFrame({ opcode: 0x8, payload });
  },
  /** A well-formed text frame, written raw (to split or interleave frames by hand). */
  text(data: string, fin = true): Uint8Array {
    return buildFrame({ opcode: 0x1, payload: data, fin });
  },
  /** A well-formed binary frame, written raw. */
  binary(data: Uint8Array | readonly number[], fin = true): Uint8Array {
    return buildFrame({ opcode: 0x2, payload: data, fin });
  },
};
