// How `rxws connect` shows messages and states: pretty, coloured JSON on a terminal; one line per
// message in a pipeline; binary as hex or base64.

export type BinaryFormat = 'hex' | 'base64';

const COLOURS = { key: '\x1b[36m', string: '\x1b[32m', number: '\x1b[33m', literal: '\x1b[35m', reset: '\x1b[0m' };

/** `json` indented, its keys, strings, numbers and literals coloured (ANSI). */
function colourJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /("(?:\\.|[^"\\])*")(\s*:)?|\b(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\b|\b(true|false|null)\b/g,
    (match, string: string | undefined, colon: string | undefined, number: string | undefined, literal: string | undefined) => {
      if (string !== undefined) return colon ? `${COLOURS.key}${string}${COLOURS.reset}${colon}` : `${COLOURS.string}${string}${COLOURS.reset}`;
      if (number !== undefined) return `${COLOURS.number}${number}${COLOURS.reset}`;
      if (literal !== undefined) return `${COLOURS.literal}${literal}${COLOURS.reset}`;
      return match;
    },
  );
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * One message as text to print (without its newline). On a terminal (`pretty`): JSON indented and
 * coloured, other text as it is. Otherwise one line: text without a newline as it is (the fast
 * path of a pipeline), JSON with newlines made compact, other text with newlines as a JSON string.
 */
export function formatMessage(data: string | Uint8Array, pretty: boolean, binary: BinaryFormat): string {
  if (typeof data !== 'string') {
    const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString(binary);
    return pretty ? `[binary ${data.byteLength} B] ${text}` : text;
  }
  if (pretty) {
    const json = parseJson(data);
    return json.ok && json.value !== null && typeof json.value === 'object' ? colourJson(json.value) : data;
  }
  if (!data.includes('\n') && !data.includes('\r')) return data;
  const json = parseJson(data);
  return json.ok ? JSON.stringify(json.value) : JSON.stringify(data);
}
