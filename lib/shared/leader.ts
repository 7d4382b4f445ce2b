// The leader tab's side of a shared connection: it owns the one real webSocket() and serves every
// tab's (its own included) uses, sends and subscribers over the relay.
import type { Subscription } from 'rxjs';
import { webSocket } from '../subject/web-socket.js';
import type { WebSocketSubject } from '../subject/web-socket-subject.js';
import type { WebSocketSubjectConfig } from '../subject/config.js';
import type { ConnectionStatus } from '../subject/connection-state.js';
import type { WebSocketMessage } from '../websocket/socket-like.js';
import type { MirroredStatus, Relay, TabId } from './protocol.js';

/** A tab's message received while the socket was not open: sent (and acknowledged) on open. */
interface PendingSend {
  readonly from: TabId;
  readonly seq: number;
  readonly data: WebSocketMessage;
}

/** The status without its cause object (an Error does not survive structured cloning whole). */
export function mirrorStatus(status: ConnectionStatus): MirroredStatus {
  switch (status.state) {
    case 'reconnecting':
      return { state: status.state, attempt: status.attempt, delay: status.delay, at: status.at, code: status.cause.code };
    case 'exhausted':
      return { state: status.state, attempt: status.attempt, code: status.cause.code };
    case 'connecting':
      return { state: status.state, attempt: status.attempt };
    default:
      return { state: status.state };
  }
}

export class SharedLeader {
  readonly #socket: WebSocketSubject<WebSocketMessage, unknown>;
  readonly #post: (relay: Relay) => void;
  readonly #statusWatch: Subscription;
  /** The tabs with subscribers: the socket is open while there is one. */
  readonly #users = new Set<TabId>();
  /** The last `seq` handed to the socket (or queued here) per tab: a re-sent message is not sent twice. */
  readonly #lastSeq = new Map<TabId, number>();
  #pending: PendingSend[] = [];
  #connection: Subscription | undefined;
  #status: MirroredStatus = { state: 'idle' };

  /**
   * @param config the connection's config with identity serializer and raw deserializer (the tabs
   *   serialize and deserialize themselves).
   * @param post delivers a relay message to every tab, this one included.
   */
  constructor(config: WebSocketSubjectConfig<WebSocketMessage, unknown>, post: (relay: Relay) => void) {
    this.#socket = webSocket(config);
    this.#post = post;
    this.#statusWatch = this.#socket.status$.subscribe((status) => {
      this.#status = mirrorStatus(status);
      if (status.state === 'open') this.#flush();
      this.#post({ t: 'status', status: this.#status });
    });
  }

  get status(): MirroredStatus {
    return this.#status;
  }

  /** A tab has subscribers (`active`) or no longer has any. */
  use(from: TabId, active: boolean): void {
    if (active) this.#users.add(from);
    else this.#users.delete(from);
    this.#reconcile();
  }

  /** A tab's message: handed to the socket if it is open, otherwise kept for the next open. */
  send(from: TabId, seq: number, data: WebSocketMessage): void {
    const last = this.#lastSeq.get(from) ?? 0;
    if (seq <= last) {
      // Already sent (or queued here): the tab re-sent it because it had no ack yet.
      if (!this.#pending.some((p) => p.from === from && p.seq === seq)) this.#post({ t: 'ack', to: from, seq });
      return;
    }
    this.#lastSeq.set(from, seq);
    if (this.#socket.state === 'open' && this.#pending.length === 0) this.#hand(from, seq, data);
    else this.#pending.push({ from, seq, data });
  }

  #flush(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const { from, seq, data } of pending) this.#hand(from, seq, data);
  }

  #hand(from: TabId, seq: number, data: WebSocketMessage): void {
    this.#socket.next(data);
    this.#post({ t: 'ack', to: from, seq });
  }

  /** Opens the socket while a tab uses it; closes it (1000) when none does. */
  #reconcile(): void {
    if (this.#users.size > 0 && this.#connection === undefined) {
      const end = (): void => {
        this.#connection = undefined;
        // Every tab's subscribers end with the connection; a tab that subscribes again says so.
        this.#users.clear();
      };
      this.#connection = this.#socket.subscribe({
        next: (data) => this.#post({ t: 'msg', data }),
        error: (error: unknown) => {
          end();
          const { code = 1006, reason = '', wasClean = false } = error as { code?: number; reason?: string; wasClean?: boolean };
          this.#post({ t: 'end', close: { code, reason, wasClean } });
        },
        complete: () => {
          end();
          this.#post({ t: 'end' });
        },
      });
    } else if (this.#users.size === 0 && this.#connection !== undefined) {
      const connection = this.#connection;
      this.#connection = undefined;
      connection.unsubscribe(); // the last subscriber leaving closes it with 1000
    }
  }

  /** Closes the socket (this tab goes away). */
  dispose(): void {
    this.#statusWatch.unsubscribe();
    this.#connection?.unsubscribe();
    this.#connection = undefined;
  }
}
