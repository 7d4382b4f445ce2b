// SessionStore: memorySessionStore()'s contract, and acceptSessions() on a store that answers with
// promises (as a Redis one will) and on one that fails.
import { config } from 'rxjs';
import { acceptSessions, memorySessionStore, type SessionStore, type SessionStoreEvent } from 'rxws/node';
import { encodeAck } from '../../lib/session/protocol.js';
import { asyncStore, SessionClient, Sessions, startWss, stateOf, until, useSessionTeardown } from './session-helpers.js';

useSessionTeardown();

const record = (id: string, identity: string | null = null) => ({ id, identity, received: 0, sent: 0, replay: [], expiresAt: null });

describe('memorySessionStore()', () => {
  it('claim answers the saved state and the inbox, once; update saves only for the holder', () => {
    const store = memorySessionStore();
    store.create(record('s1', 'alice'), 'h1');
    expect(store.update('s1', 'h1', { append: [{ seq: 1, payload: 'a' }] })).toBe(true);
    expect(store.update('s1', 'h1', { append: [{ seq: 2, payload: 'b' }], received: 4 })).toBe(true);
    expect(store.update('s1', 'h1', { acknowledged: 1 })).toBe(true);
    expect(store.update('s1', 'other', { received: 9 })).toBe(false);
    expect(store.publish('s1', 'p')).toBe(true);
    expect(store.claim('s1', 'h2', 'bob', Date.now())).toBeUndefined(); // another identity
    expect(store.claim('s1', 'h2', 'alice', Date.now())).toEqual({ id: 's1', identity: 'alice', received: 4, sent: 2, replay: [{ seq: 2, payload: 'b' }], expiresAt: null, inbox: ['p'] });
    expect(store.update('s1', 'h1', { received: 5 })).toBe(false); // h2 holds it now
    expect(store.takeInbox('s1', 'h2')).toEqual([]);
  });

  it('signals published to watchers, claimed when the holder changes, ended on end and on expiry', () => {
    const store = memorySessionStore();
    store.create(record('s1'), 'h1');
    store.create(record('s2'), 'h1');
    const events: SessionStoreEvent[] = [];
    const unwatch = store.watch('s1', (event) => events.push(event));
    store.watch('s2', (event) => events.push(event));
    store.publish('s1', 'x');
    store.claim('s1', 'h1', null, Date.now()); // the same holder: no event
    store.claim('s1', 'h2', null, Date.now());
    store.end('s1');
    store.update('s2', 'h1', { expiresAt: 1000 });
    expect(store.expire('s2', 999)).toBe(false);
    expect(store.expire('s2', 1000)).toBe(true);
    expect(store.expire('s2', 1000)).toBe(true); // gone
    expect(events).toEqual([{ type: 'published' }, { type: 'claimed', holder: 'h2' }, { type: 'ended', reason: 'closed' }, { type: 'ended', reason: 'expired' }]);
    unwatch();
    expect(store.publish('s1', 'y')).toBe(false);
  });

  it('a claim of an expired session answers undefined and forgets it', () => {
    const store = memorySessionStore();
    store.create(record('s1'), 'h1');
    store.update('s1', 'h1', { expiresAt: 50 });
    expect(store.claim('s1', 'h2', null, 50)).toBeUndefined();
    expect(store.expire('s1', 0)).toBe(true);
  });
});

describe('a store that answers with promises', () => {
  it('messages both ways, a drop, a resume with replay, a restarted server: nothing lost, nothing twice, in order', async () => {
    const store = asyncStore();
    const one = await startWss();
    const sessionsOne = new Sessions(acceptSessions(one.wss, { store, ackInterval: 60_000 }));
    const first = await SessionClient.start(one.url);
    const session = await sessionsOne.next();
    for (let seq = 1; seq <= 3; seq++) first.client.data(seq, 0, String(seq));
    expect(await sessionsOne.receive(session, 3)).toEqual([1, 2, 3]);
    for (let n = 1; n <= 4; n++) session.next(n);
    for (let seq = 1; seq <= 4; seq++) expect(await first.client.nextOf('data')).toMatchObject({ seq, payload: String(seq), ack: 3 });
    first.client.send(encodeAck(2));
    first.client.data(4, 2, '4');
    await sessionsOne.receive(session, 4);
    await first.client.drop();
    await stateOf(session, 'disconnected');
    session.next(5);

    const second = await SessionClient.start(one.url, first.welcome.session, 3);
    expect(second.welcome).toMatchObject({ kind: 'resumed', received: 4 });
    expect(await second.client.nextOf('data')).toMatchObject({ seq: 4, payload: '4' });
    expect(await second.client.nextOf('data')).toMatchObject({ seq: 5, payload: '5' });
    second.client.data(4, 5, '4'); // a duplicate
    second.client.data(5, 5, '5');
    expect(await sessionsOne.receive(session, 5)).toEqual([1, 2, 3, 4, 5]);

    // restart: a new server on the same store
    sessionsOne.subscription.unsubscribe();
    await one.close();
    await stateOf(session, 'disconnected');
    const two = await startWss();
    const sessionsTwo = new Sessions(acceptSessions(two.wss, { store }));
    const third = await SessionClient.start(two.url, first.welcome.session, 5);
    expect(third.welcome).toMatchObject({ kind: 'resumed', received: 5 });
    const moved = await sessionsTwo.next();
    session.next(6); // from the old server's Session: routed through the store
    expect(await third.client.nextOf('data')).toMatchObject({ seq: 6, payload: '6' });
    moved.next(7);
    expect(await third.client.nextOf('data')).toMatchObject({ seq: 7, payload: '7' });
    third.client.data(6, 7, '6');
    expect(await sessionsTwo.receive(moved, 1)).toEqual([6]);
    expect(sessionsOne.receivedBy(session)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('a store that fails', () => {
  it('closes the connection with 1011 and reports the error as rxjs reports an unhandled one', async () => {
    const reported: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (error) => reported.push(error);
    try {
      const failure = new Error('store down');
      const store: SessionStore = {
        ...memorySessionStore(),
        create: () => Promise.reject(failure),
      };
      const { wss, url } = await startWss();
      const sessions = new Sessions(acceptSessions(wss, { store }));
      const client = await SessionClient.open(url);
      client.send('H{"session":null,"received":0}');
      expect(await client.closed).toMatchObject({ code: 1011 });
      await until(() => reported.length > 0, 5000, 'the report');
      expect(reported).toEqual([failure]);
      expect(sessions.all).toEqual([]);
    } finally {
      config.onUnhandledError = previous;
    }
  });

  it('a failing save closes the session connection with 1011; the message not saved waits, and goes out on the next resume', async () => {
    const reported: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (error) => reported.push(error);
    try {
      const memory = memorySessionStore();
      let failing = false;
      const store: SessionStore = {
        ...memory,
        update: (id, holder, change) => {
          if (failing) throw new Error('write failed');
          return memory.update(id, holder, change);
        },
      };
      const { wss, url } = await startWss();
      const sessions = new Sessions(acceptSessions(wss, { store }));
      const { client } = await SessionClient.start(url);
      const session = await sessions.next();
      failing = true;
      session.next('lost?');
      expect(await client.closed).toMatchObject({ code: 1011 });
      expect(client.frames.filter((f) => f.type === 'data')).toEqual([]); // never sent unsaved
      await stateOf(session, 'disconnected');
      // Each failed call is reported: the message's save, then the disconnection's.
      await until(() => reported.length === 2, 5000, 'the reports');
      expect(reported).toEqual([new Error('write failed'), new Error('write failed')]);
      // The store is back: the client resumes and gets the message, numbered as the store saw fit.
      failing = false;
      const again = await SessionClient.start(url, session.id, 0);
      expect(again.welcome.kind).toBe('resumed');
      expect(await again.client.nextOf('data')).toMatchObject({ seq: 1, payload: '"lost?"' });
    } finally {
      config.onUnhandledError = previous;
    }
  });
});
