// A text message `prefix + text` framed by rxws itself (RFC 6455 §5.2), for what sends many
// small messages that share a short ASCII prefix (a resumable session's `D<seq>:<ack>:`
// envelope): the two strings are written into the frame's buffer as they are, where joining them
// would make a string that `ws` copies again (and, on the client, copies once more to mask it).
import { randomFillSync } from 'node:crypto';

/** Past this many payload bytes, a message goes through `ws` (which masks large payloads natively where `bufferutil` is installed). */
export const MAX_FRAMED_TEXT = 4096;

// Masking keys, 4 bytes per frame, from a pool refilled as it runs out (as `ws` does).
const MASKS = 8192;
const maskPool = Buffer.allocUnsafe(MASKS);
let maskAt = MASKS;

/**
 * One FIN text frame carrying `prefix` (ASCII) then `text` (`length` bytes in all, at most
 * {@link MAX_FRAMED_TEXT}), masked with a fresh random key when `masked` (a client's frames).
 *
 * @example
 * tcp.write(textFrame('D1:0:', '{"a":1}', 12, true));
 */
export function textFrame(prefix: string, text: string, length: number, masked: boolean): Buffer {
  const header = (length < 126 ? 2 : 4) + (masked ? 4 : 0);
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (length < 126) frame[1] = length;
  else {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  }
  const at = header;
  frame.write(prefix, at, 'latin1');
  frame.write(text, at + prefix.length, 'utf8');
  if (!masked) return frame;
  frame[1]! |= 0x80;
  if (maskAt === MASKS) {
    randomFillSync(maskPool);
    maskAt = 0;
  }
  const k0 = (frame[at - 4] = maskPool[maskAt]!);
  const k1 = (frame[at - 3] = maskPool[maskAt + 1]!);
  const k2 = (frame[at - 2] = maskPool[maskAt + 2]!);
  const k3 = (frame[at - 1] = maskPool[maskAt + 3]!);
  maskAt += 4;
  const end = at + length;
  let i = at;
  for (; i + 3 < end; i += 4) {
    frame[i] ^= k0;
    frame[i + 1] ^= k1;
    frame[i + 2] ^= k2;
    frame[i + 3] ^= k3;
  }
  if (i < end) frame[i++] ^= k0;
  if (i < end) frame[i++] ^= k1;
  if (i < end) frame[i] ^= k2;
  return frame;
}
