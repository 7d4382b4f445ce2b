// The SessionStore contract (lib/node/session-store.ts's doc comments), as one suite every store
// runs: memorySessionStore() (session-store.spec.ts) and redisSessionStore() (session-redis.spec.ts).
// Every call is awaited (a store may answer either way) and events are awaited, not assumed
// synchronous (a shared store delivers them by pub/sub).
import type { SessionPayload, SessionRecord, SessionStore, SessionStoreEvent } from 'rxws/node';
import { until } from './session-helpers.js';

/** How the suite makes and watches a store. */
export interface StoreUnderTest {
  /** A new, empty store (its session ids do not clash with other tests'). */
  make(): SessionStore | Promise<SessionStore>;
  /**
   * Watches `id` and resolves once the watch is in effect: a shared store may then signal one
   * `'published'` as a hint to look at the inbox (docs/sessions.md), which the events here leave out.
   */
  watch(store: SessionStore, id: string, events: SessionStoreEvent[]): Promise<() => void>;
}

const record = (id: string, identity: string | null = null, extra: Partial<SessionRecord> = {}): SessionRecord => ({ id, identity, received: 0, sent: 0, replay: [], expiresAt: null, ...extra });
const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
/** Payloads compared by value: text as it is, bytes as an array of numbers. */
const plain = (payload: SessionPayload): unknown => (typeof payload === 'string' ? payload : [...new Uint8Array(ArrayBuffer.isView(payload) ? payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength) : payload)]);

export function storeContract(name: string, under: StoreUnderTest): void {
  describe(`${name}: the SessionStore contract`, () => {
    let store: SessionStore;
    beforeEach(async () => {
      store = await under.make();
    });

    it('claim answers the saved state and the inbox (left in the store); update saves only for the holder', async () => {
      await store.create(record('s1', 'alice'), 'h1');
      expect(await store.update('s1', 'h1', { append: [{ seq: 1, payload: 'a' }] })).toBe(true);
      expect(await store.update('s1', 'h1', { append: [{ seq: 2, payload: 'b' }], received: 4 })).toBe(true);
      expect(await store.update('s1', 'h1', { acknowledged: 1 })).toBe(true);
      expect(await store.update('s1', 'other', { received: 9 })).toBe(false);
      expect(await store.publish('s1', 'p')).toBe(true);
      expect(await store.claim('s1', 'h2', 'bob', Date.now())).toBeUndefined(); // another identity
      expect(await store.claim('s1', 'h2', 'alice', Date.now())).toEqual({ id: 's1', identity: 'alice', received: 4, sent: 2, replay: [{ seq: 2, payload: 'b' }], expiresAt: null, inbox: ['p'] });
      expect(await store.update('s1', 'h1', { received: 5 })).toBe(false); // h2 holds it now
      expect(await store.readInbox('s1', 'h2', 0)).toEqual(['p']);
      expect(await store.readInbox('s1', 'h2', 1)).toEqual([]);
      expect((await store.claim('s1', 'h2', 'alice', Date.now()))?.inbox).toEqual(['p']); // until a save of the holder removes it
      expect(await store.update('s1', 'h2', { append: [{ seq: 3, payload: 'p' }], inboxTaken: 1 })).toBe(true);
      expect(await store.claim('s1', 'h3', 'alice', Date.now())).toMatchObject({ sent: 3, replay: [{ seq: 2, payload: 'b' }, { seq: 3, payload: 'p' }], inbox: [] });
    });

    it('keeps text and binary payloads as they were, in the replay buffer, the inbox and a created record', async () => {
      const replay = [{ seq: 3, payload: 'é ✓ x' }, { seq: 4, payload: bytes(0, 255, 58, 116) }];
      await store.create(record('s1', null, { received: 2, sent: 4, replay }), 'h1');
      await store.update('s1', 'h1', { append: [{ seq: 5, payload: bytes() }] });
      await store.update('s1', 'h1', { append: [{ seq: 6, payload: new Uint16Array([0x3a3a, 1]).subarray(1) }] }); // a view at an offset
      await store.update('s1', 'h1', { append: [{ seq: 7, payload: new Uint8Array([9, 8]).buffer }] });
      await store.publish('s1', bytes(1, 2));
      await store.publish('s1', '');
      await store.publish('s1', '3:t');
      const claimed = await store.claim('s1', 'h2', null, Date.now());
      expect(claimed).toMatchObject({ received: 2, sent: 7 });
      expect(claimed!.replay.map((m) => [m.seq, plain(m.payload)])).toEqual([
        [3, 'é ✓ x'],
        [4, [0, 255, 58, 116]],
        [5, []],
        [6, [1, 0]],
        [7, [9, 8]],
      ]);
      expect(claimed!.inbox.map(plain)).toEqual([[1, 2], '', '3:t']);
      expect(typeof claimed!.replay[1]!.payload).not.toBe('string'); // bytes stay bytes
    });

    it('update appends a batch of messages in order (thousands at once), and sent becomes the last one', async () => {
      await store.create(record('s1'), 'h1');
      const batch = Array.from({ length: 2500 }, (_, i) => ({ seq: i + 1, payload: `m${i + 1}` }));
      expect(await store.update('s1', 'h1', { append: batch, received: 2 })).toBe(true);
      expect(await store.update('s1', 'h1', { append: [] })).toBe(true);
      const claimed = await store.claim('s1', 'h1', null, Date.now());
      expect(claimed).toMatchObject({ sent: 2500, received: 2 });
      expect(claimed!.replay).toEqual(batch);
    });

    it('acknowledged trims the replay buffer up to and including that seq', async () => {
      await store.create(record('s1'), 'h1');
      for (let seq = 1; seq <= 5; seq++) await store.update('s1', 'h1', { append: [{ seq, payload: String(seq) }] });
      await store.update('s1', 'h1', { acknowledged: 3 });
      expect((await store.claim('s1', 'h1', null, Date.now()))?.replay).toEqual([{ seq: 4, payload: '4' }, { seq: 5, payload: '5' }]);
      await store.update('s1', 'h1', { acknowledged: 5 });
      expect((await store.claim('s1', 'h1', null, Date.now()))?.replay).toEqual([]);
    });

    it('acknowledged trims by seq, also a replay buffer whose seqs are not consecutive, and ignores an ack below the first', async () => {
      const replay = [3, 5, 6, 9].map((seq) => ({ seq, payload: String(seq) }));
      await store.create(record('s1', null, { sent: 9, replay }), 'h1');
      await store.update('s1', 'h1', { acknowledged: 2 });
      expect((await store.claim('s1', 'h1', null, Date.now()))?.replay.map((m) => m.seq)).toEqual([3, 5, 6, 9]);
      await store.update('s1', 'h1', { acknowledged: 5 });
      expect((await store.claim('s1', 'h1', null, Date.now()))?.replay.map((m) => m.seq)).toEqual([6, 9]);
      await store.update('s1', 'h1', { acknowledged: 7 });
      expect((await store.claim('s1', 'h1', null, Date.now()))?.replay.map((m) => m.seq)).toEqual([9]);
    });

    it('readInbox answers the inbox from a position on, in publishing order, to the holder only; inboxTaken removes its head', async () => {
      await store.create(record('s1'), 'h1');
      for (const payload of ['1', '2', '3']) expect(await store.publish('s1', payload)).toBe(true);
      expect(await store.readInbox('s1', 'someone else', 0)).toEqual([]);
      expect(await store.readInbox('s1', 'h1', 0)).toEqual(['1', '2', '3']);
      expect(await store.readInbox('s1', 'h1', 2)).toEqual(['3']);
      expect(await store.readInbox('s1', 'h1', 3)).toEqual([]);
      expect(await store.update('s1', 'someone else', { inboxTaken: 2 })).toBe(false);
      expect(await store.readInbox('s1', 'h1', 0)).toEqual(['1', '2', '3']);
      // Removed in the save that appends them (a dropped one with no append at all).
      expect(await store.update('s1', 'h1', { append: [{ seq: 1, payload: '1' }], inboxTaken: 2 })).toBe(true);
      expect(await store.publish('s1', '4')).toBe(true);
      expect(await store.readInbox('s1', 'h1', 0)).toEqual(['3', '4']);
      expect(await store.update('s1', 'h1', { inboxTaken: 1 })).toBe(true);
      expect(await store.claim('s1', 'h2', null, Date.now())).toMatchObject({ sent: 1, replay: [{ seq: 1, payload: '1' }], inbox: ['4'] });
      expect(await store.update('s1', 'h2', { inboxTaken: 1 })).toBe(true);
      expect(await store.readInbox('s1', 'h2', 0)).toEqual([]);
    });

    it('inboxTaken removes thousands of inbox messages at once, in the same save as their append', async () => {
      await store.create(record('s1'), 'h1');
      const payloads = Array.from({ length: 2100 }, (_, i) => `p${i}`);
      for (const payload of payloads) await store.publish('s1', payload);
      expect(await store.readInbox('s1', 'h1', 0)).toEqual(payloads);
      const append = payloads.slice(0, 2000).map((payload, i) => ({ seq: i + 1, payload }));
      expect(await store.update('s1', 'h1', { append, inboxTaken: 2000 })).toBe(true);
      expect(await store.readInbox('s1', 'h1', 0)).toEqual(payloads.slice(2000));
      expect((await store.claim('s1', 'h1', null, Date.now()))?.replay).toHaveLength(2000);
    });

    it('identities: null and a string differ, even the empty string', async () => {
      await store.create(record('s1', null), 'h1');
      await store.create(record('s2', ''), 'h1');
      expect(await store.claim('s1', 'h2', '', Date.now())).toBeUndefined();
      expect(await store.claim('s2', 'h2', null, Date.now())).toBeUndefined();
      expect(await store.claim('s1', 'h2', null, Date.now())).toMatchObject({ identity: null });
      expect(await store.claim('s2', 'h2', '', Date.now())).toMatchObject({ identity: '' });
    });

    it('signals published to watchers, claimed when the holder changes, ended on end and on expiry', async () => {
      await store.create(record('s1'), 'h1');
      await store.create(record('s2'), 'h1');
      const events: SessionStoreEvent[] = [];
      const unwatch = await under.watch(store, 's1', events);
      await under.watch(store, 's2', events);
      await store.publish('s1', 'x');
      await until(() => events.length === 1, 5000, 'published');
      await store.claim('s1', 'h1', null, Date.now()); // the same holder: no event
      await store.claim('s1', 'h2', null, Date.now());
      await until(() => events.length === 2, 5000, 'claimed');
      await store.end('s1');
      await until(() => events.length === 3, 5000, 'ended');
      await store.update('s2', 'h1', { expiresAt: 1000 });
      expect(await store.expire('s2', 999)).toBe(false);
      expect(await store.expire('s2', 1000)).toBe(true);
      expect(await store.expire('s2', 1000)).toBe(true); // gone
      await until(() => events.length === 4, 5000, 'ended (expired)');
      expect(events).toEqual([{ type: 'published' }, { type: 'claimed', holder: 'h2' }, { type: 'ended', reason: 'closed' }, { type: 'ended', reason: 'expired' }]);
      unwatch();
      expect(await store.publish('s1', 'y')).toBe(false);
    });

    it('an unwatched listener hears nothing more', async () => {
      await store.create(record('s1'), 'h1');
      const gone: SessionStoreEvent[] = [];
      const kept: SessionStoreEvent[] = [];
      const unwatch = await under.watch(store, 's1', gone);
      await under.watch(store, 's1', kept);
      unwatch();
      unwatch(); // twice: nothing more
      await store.publish('s1', 'x');
      await store.end('s1');
      await until(() => kept.length === 2, 5000, 'the events');
      expect(gone).toEqual([]);
    });

    it('a claim of an expired session answers undefined and forgets it', async () => {
      await store.create(record('s1'), 'h1');
      await store.update('s1', 'h1', { expiresAt: 50 });
      expect(await store.claim('s1', 'h2', null, 50)).toBeUndefined();
      expect(await store.expire('s1', 0)).toBe(true);
    });

    it('a held session (expiresAt null) does not expire; a claim makes it held again', async () => {
      await store.create(record('s1'), 'h1');
      expect(await store.expire('s1', Number.MAX_SAFE_INTEGER)).toBe(false);
      await store.update('s1', 'h1', { expiresAt: 1000 });
      expect(await store.claim('s1', 'h2', null, 999)).toMatchObject({ expiresAt: null });
      expect(await store.expire('s1', 5000)).toBe(false);
      expect(await store.update('s1', 'h2', { expiresAt: null })).toBe(true);
    });

    it('an unknown session: claim undefined, update and publish false, readInbox empty, expire true, end does nothing', async () => {
      expect(await store.claim('nope', 'h1', null, Date.now())).toBeUndefined();
      expect(await store.update('nope', 'h1', { received: 1 })).toBe(false);
      expect(await store.publish('nope', 'x')).toBe(false);
      expect(await store.readInbox('nope', 'h1', 0)).toEqual([]);
      expect(await store.expire('nope', Date.now())).toBe(true);
      await store.end('nope');
    });

    it('publish to a session past its expiresAt answers false', async () => {
      await store.create(record('s1'), 'h1');
      await store.update('s1', 'h1', { expiresAt: Date.now() - 1 });
      expect(await store.publish('s1', 'late')).toBe(false);
    });
  });
}
