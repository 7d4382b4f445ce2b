// Page code for spec/browser/shared.browser.spec.ts: each page (tab) of one browser context makes
// one sharedWebSocket and reports what it saw; the spec drives several pages at once.
import { firstValueFrom, type Subscription } from 'rxjs';
import { sharedWebSocket, type SharedWebSocket } from 'rxws/shared';
import { sharedSession } from 'rxws/shared/session';
import { resumable, type ResumableOptions } from 'rxws/session';
import { registerTests } from './runtime.js';

interface Message {
  readonly [key: string]: unknown;
}

let shared: SharedWebSocket<Message, Message> | undefined;
let subscription: Subscription | undefined;
const received: Message[] = [];
const states: string[] = [];
const roles: string[] = [];
/** What the passive streams saw: 'open', 'error', 'close:<code>:<reason>:<wasClean>'. */
const events: string[] = [];
const messages: unknown[] = [];
const decodeErrors: unknown[] = [];
const topics = new Map<string, { subscription: Subscription; received: Message[] }>();
/** session$'s events: kind, id, and a loss's messages. */
const sessionEvents: Array<{ kind: string; id: string; unacknowledged?: unknown[] }> = [];
let pumping: { timer: ReturnType<typeof setInterval>; sent: number } | undefined;

const open = (): SharedWebSocket<Message, Message> => {
  if (!shared) throw new Error('start() first');
  return shared;
};

registerTests({
  /** Makes this tab's shared connection and subscribes (unless `subscribe` is false). */
  async start(input: { url: string; name: string; subscribe?: boolean; withoutLocks?: boolean; worker?: boolean; withoutSharedWorker?: boolean; session?: ResumableOptions; sessionForm?: 'bare' | 'shared' }) {
    // A browser without the Web Locks API: sharedWebSocket() falls back to this tab's own socket.
    if (input.withoutLocks) Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
    // A browser without SharedWorker (Chrome on Android before 148): the tabs elect a leader.
    if (input.withoutSharedWorker) delete (globalThis as { SharedWorker?: unknown }).SharedWorker;
    const worker = input.worker ? () => new SharedWorker('/shared-worker.js', { type: 'module' }) : undefined;
    shared = sharedWebSocket<Message, Message>({ url: input.url, name: input.name, ...(worker && { worker }), ...(input.session && { session: input.sessionForm === 'bare' ? resumable(input.session) : sharedSession(resumable(input.session)) }) });
    shared.session$.subscribe((event) => sessionEvents.push(event.kind === 'lost' ? { kind: event.kind, id: event.id, unacknowledged: [...event.unacknowledged] } : { kind: event.kind, id: event.id }));
    shared.role$.subscribe((role) => roles.push(role));
    shared.state$.subscribe((state) => states.push(state));
    shared.open$.subscribe((event) => events.push(event.type));
    shared.error$.subscribe((event) => events.push(event.type));
    shared.close$.subscribe((event) => events.push(`close:${event.code}:${event.reason}:${event.wasClean}`));
    shared.message$.subscribe((event) => messages.push(event.data));
    shared.decodeError$.subscribe(({ event, error }) => decodeErrors.push({ data: event.data, error: error instanceof SyntaxError }));
    if (input.subscribe !== false) subscription = shared.subscribe({ next: (m) => received.push(m), error: (e: unknown) => received.push({ error: String(e) }), complete: () => received.push({ complete: true }) });
    return shared.role;
  },
  /** What this tab saw so far. */
  async report() {
    return { role: shared?.role, roles, state: shared?.state, states, received, events, messages, decodeErrors, queueLength: shared?.queueLength, topics: Object.fromEntries([...topics].map(([k, v]) => [k, v.received])), sessionEvents, sent: pumping?.sent };
  },
  /** Sends each value with next(), in order. */
  async send(input: { values: Message[] }) {
    for (const value of input.values) open().next(value);
  },
  /** Keeps sending `{ tab, i }` (i = 1, 2, …), one every `every` ms, until stopPump(). */
  async pump(input: { tab: number; every: number }) {
    const state = { sent: 0, timer: setInterval(() => open().next({ tab: input.tab, i: ++state.sent }), input.every) };
    pumping = state;
  },
  /** Stops pump(); resolves with how many it sent. */
  async stopPump() {
    if (!pumping) return 0;
    clearInterval(pumping.timer);
    return pumping.sent;
  },
  /** Subscribes to a topic with multiplex(). */
  async topic(input: { topic: string }) {
    const seen: Message[] = [];
    const sub = open()
      .multiplex(() => ({ sub: input.topic }), () => ({ unsub: input.topic }), (m) => m['topic'] === input.topic)
      .subscribe((m) => seen.push(m));
    topics.set(input.topic, { subscription: sub, received: seen });
  },
  async untopic(input: { topic: string }) {
    topics.get(input.topic)?.subscription.unsubscribe();
    topics.delete(input.topic);
  },
  /** A request; resolves with its reply. */
  async request(input: { method: string }) {
    return firstValueFrom(open().request((id) => ({ id, method: input.method })));
  },
  /** Subscribes again (after the connection ended). */
  async resubscribe() {
    subscription = open().subscribe({ next: (m) => received.push(m), error: (e: unknown) => received.push({ error: String(e) }) });
  },
  /** Empties this tab's queue; resolves with what it held. */
  async clearQueue() {
    return open().clearQueue();
  },
  /** Releases this tab's use. */
  async close() {
    open().close();
    subscription = undefined;
  },
});
