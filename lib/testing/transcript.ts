// A timestamped record of everything that happened on a connection, in order, so a failing test
// can print the whole conversation instead of only the last message.
import { formatMessage } from './format.js';
import { realNow } from './timers.js';

/** Who did it: the client (`in`, as the server saw it), the server (`out`), or neither (`event`). */
export type Direction = 'in' | 'out' | 'event';

/** One line of a transcript. */
export interface TranscriptEntry {
  /** Real milliseconds since the transcript began (the connection's upgrade). */
  readonly time: number;
  /** `in` (from the client), `out` (from the server) or `event` (on the connection). */
  readonly direction: Direction;
  /** `text`, `binary`, `close`, `ping`, `pong`, `raw`, `open`, `drop`, `stall`, `decode-error`… */
  readonly kind: string;
  /** The payload or details, when there are any. */
  readonly data?: unknown;
}

const ARROWS: Record<Direction, string> = { in: '→ server', out: '← server', event: '  ·' };

/** @internal An append-only transcript with a real-time clock (fake timers do not shift its times). */
export class Transcript {
  readonly #start = realNow();
  readonly #entries: TranscriptEntry[] = [];
  readonly #enabled: boolean;

  /** `enabled` false: a transcript that records nothing (a server with `history: false`). */
  constructor(enabled = true) {
    this.#enabled = enabled;
  }

  /** The entries so far (a copy). */
  get entries(): TranscriptEntry[] {
    return this.#entries.slice();
  }

  /** Appends an entry stamped with the current time. */
  add(direction: Direction, kind: string, data?: unknown): void {
    if (!this.#enabled) return;
    const entry: TranscriptEntry = { time: Math.round((realNow() - this.#start) * 10) / 10, direction, kind };
    this.#entries.push(data === undefined ? entry : { ...entry, data });
  }

  /** The transcript as text, one entry a line, e.g. `+3.1ms → server text "hi"`. */
  format(indent = '  '): string {
    if (this.#entries.length === 0) return `${indent}(empty)`;
    return this.#entries.map((e) => `${indent}${formatEntry(e)}`).join('\n');
  }
}

/** @internal One entry as text. */
export function formatEntry(entry: TranscriptEntry): string {
  const data = entry.data === undefined ? '' : ` ${typeof entry.data === 'string' && entry.kind !== 'text' ? entry.data : formatMessage(entry.data)}`;
  return `+${entry.time.toFixed(1)}ms ${ARROWS[entry.direction]} ${entry.kind}${data}`;
}
