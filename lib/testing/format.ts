// Printing messages for error messages, transcripts and matcher output. Binary is shown as hex so
// a byte-level difference is visible (a stringified Buffer hides it); long values are cut so a
// failure message stays readable.
import { inspect, types } from 'node:util';

const MAX_BYTES = 64;

/** @internal `bytes` as space-separated hex pairs, e.g. `01 ff 7e`, cut after 64 bytes. */
export function toHex(bytes: Uint8Array): string {
  const shown = Array.from(bytes.subarray(0, MAX_BYTES), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > MAX_BYTES ? `${shown} … (+${bytes.length - MAX_BYTES} bytes)` : shown;
}

/** @internal Whether `value` is binary data (any `ArrayBuffer` view or an `ArrayBuffer`). */
export function isBinary(value: unknown): value is ArrayBufferView | ArrayBuffer {
  // Realm-safe checks: Jest runs tests in a VM context whose `ArrayBuffer` is not Node's.
  return ArrayBuffer.isView(value) || types.isAnyArrayBuffer(value);
}

/** @internal The bytes of binary data, as a `Uint8Array` view (no copy). */
export function bytesOf(value: ArrayBufferView | ArrayBuffer): Uint8Array {
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(value);
}

/** @internal One message as a single line: strings quoted, binary as `<N bytes: hex>`, values inspected. */
export function formatMessage(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  if (isBinary(value)) {
    const bytes = bytesOf(value);
    return `<${bytes.length} bytes: ${toHex(bytes)}>`;
  }
  return inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 200 });
}

/** @internal A numbered list of messages, or `(none)`. */
export function formatMessageList(values: readonly unknown[]): string {
  if (values.length === 0) return '  (none)';
  return values.map((v, i) => `  ${i + 1}. ${formatMessage(v)}`).join('\n');
}

/**
 * A copy of `value` with every binary value replaced by a `hex(...)` string, for diffs: two byte
 * arrays then diff as two readable strings.
 *
 * @internal
 */
export function binaryAsHex(value: unknown, seen = new WeakSet<object>()): unknown {
  if (isBinary(value)) return `hex(${toHex(bytesOf(value))})`;
  if (value === null || typeof value !== 'object') return value;
  // Asymmetric matchers and other class instances are left alone (they print themselves).
  if (seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => binaryAsHex(v, seen));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = binaryAsHex(v, seen);
  return out;
}
