// The test server's HTTP upgrade handling: where handshakes are recorded, delayed, held, refused
// or verified before `ws` takes the socket over. It also tracks every raw socket, upgraded or not,
// so the server can free its port at once.
import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { Buffer } from 'node:buffer';
import type { HandshakeRecord, Refusal, VerifyResult } from './server-options.js';
import { realDelay } from './timers.js';

/** @internal What the gate needs from its server. */
export interface UpgradeHost {
  /** Whether the server is closing (an upgrade released then is aborted, not accepted). */
  isClosing(): boolean;
  /** The server's `verify` option. */
  readonly verify: ((request: IncomingMessage) => VerifyResult | Promise<VerifyResult>) | undefined;
  /** Every upgrade request seen, in order (the server's public list, appended to here). */
  readonly handshakes: HandshakeRecord[];
  /** Keeps an error (a throwing `verify`) for the teardown report. */
  reportError(error: Error): void;
  /** Hands an upgrade that passed every check to `ws`. */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer, record: HandshakeRecord): void;
}

/** @internal Decides the fate of each upgrade request of one test server. */
export class UpgradeGate {
  readonly #host: UpgradeHost;
  readonly #sockets = new Set<Duplex>();
  readonly #held = new Map<() => void, Duplex>();
  #refusals: Refusal[] = [];
  /** Real milliseconds each upgrade waits; `Infinity` holds them until {@link UpgradeGate.release}. */
  delay: number;

  constructor(host: UpgradeHost, delay: number) {
    this.#host = host;
    this.delay = delay;
  }

  /** Upgrade requests being held. */
  get heldCount(): number {
    return this.#held.size;
  }

  /** Refuses the next upgrade request with `refusal` (after those already queued). */
  refuseNext(refusal: Refusal): void {
    this.#refusals.push(refusal);
  }

  /** Lets the held upgrades proceed, and stops holding new ones. */
  release(): void {
    if (this.delay === Infinity) this.delay = 0;
    for (const release of [...this.#held.keys()]) release();
  }

  /** Cuts the held upgrades (the server is going away: they are not let through). */
  cutHeld(): void {
    for (const socket of [...this.#held.values()]) socket.destroy();
  }

  /** Destroys every socket still tracked: those that never upgraded would keep the listener open. */
  destroySockets(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Tracks a raw socket until it closes. */
  track(socket: Duplex): void {
    if (this.#sockets.has(socket)) return;
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    // A client that resets the connection mid-handshake is not a server error.
    socket.on('error', () => undefined);
  }

  /** Handles one upgrade request: record, delay or hold, refuse or verify, then accept. */
  async handle(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.track(socket);
    const record: HandshakeRecord = { url: request.url ?? '/', headers: request.headers, outcome: 'pending' };
    this.#host.handshakes.push(record);
    // While an upgrade waits, read the socket (a client sends nothing before the 101), so a client
    // that gives up is seen: its upgrade is then recorded as aborted, not accepted on release.
    const waits = this.delay > 0;
    const gaveUp = (): void => void socket.destroy();
    if (waits) {
      socket.on('end', gaveUp);
      socket.resume();
    }
    try {
      if (this.delay === Infinity) {
        await new Promise<void>((resolve) => {
          const release = (): void => {
            this.#held.delete(release);
            resolve();
          };
          this.#held.set(release, socket);
          socket.once('close', release);
        });
      } else if (this.delay > 0) {
        await realDelay(this.delay);
      }
      // (Left flowing: `ws` attaches its data listener synchronously on accept, before any data
      // can be emitted, and a client sends nothing before the 101 anyway.)
      if (waits) socket.off('end', gaveUp);
      if (socket.destroyed || this.#host.isClosing()) {
        record.outcome = 'aborted';
        socket.destroy();
        return;
      }
      const refusal = this.#refusals.shift() ?? (await this.#verify(request));
      if (refusal) {
        record.outcome = 'refused';
        record.status = refusal.status;
        refuse(socket, refusal);
        return;
      }
      this.#host.accept(request, socket, head, record);
    } catch (error) {
      // `verify` threw: refuse with 500 and keep the error for the teardown report.
      this.#host.reportError(error instanceof Error ? error : new Error(String(error)));
      record.outcome = 'refused';
      record.status = 500;
      refuse(socket, { status: 500 });
    }
  }

  async #verify(request: IncomingMessage): Promise<Refusal | undefined> {
    const verify = this.#host.verify;
    if (!verify) return undefined;
    const result = await verify(request);
    if (result === true) return undefined;
    if (result === false) return { status: 401 };
    if (typeof result === 'number') return { status: result };
    return result;
  }
}

/** Answers an upgrade request with an HTTP error response and closes the socket. */
function refuse(socket: Duplex, refusal: Refusal): void {
  const body = refusal.body ?? `${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}`.trim();
  const headers: OutgoingHttpHeaders = {
    Connection: 'close',
    'Content-Type': 'text/plain',
    'Content-Length': Buffer.byteLength(body),
    ...refusal.headers,
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
    .join('\r\n');
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? 'Unknown'}\r\n${head}\r\n\r\n${body}`);
}
