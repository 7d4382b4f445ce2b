// SessionStore: memorySessionStore()'s contract (session-store-contract.ts, shared with the Redis store), and acceptSessions() on a store that answers with
// promises (as a Redis one will) and on one that fails.
import { config } from 'rxjs';
import { acceptSessions, memorySessionStore, type AcceptSessionsOptions, type Session, type SessionStore } from 'rxws/node';
import { encodeAck } from '../../lib/session/protocol.js';
import { storeContract } from './session-store-contract.js';
import { asyncStore, SessionClient, Sessions, startWss, stateOf, until, useSessionTeardown } from './session-helpers.js';

useSessionTeardown();

storeContract('memorySessionStore()', {
  make: () => memorySessionStore(),
  watch: (store, id, events) => Promise.resolve(store.watch(id, (event) => events.push(event))),
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

describe('a session lost to another server while its saves are in flight', () => {
  /**
   * The memory store, whose update() applies at once but answers only when `release()` is called
   * (as a remote store whose pub/sub event outruns a reply); from then on it answers at once.
   */
  function slowRepliesStore(): { store: SessionStore; release(): void; held(): number } {
    const memory = memorySessionStore();
    let waiting: (() => void)[] | undefined = [];
    return {
      store: {
        ...memory,
        update: (id, holder, change) => {
          const saved = memory.update(id, holder, change);
          const queue = waiting;
          return queue ? new Promise<boolean>((resolve) => queue.push(() => resolve(saved as boolean))) : saved;
        },
      },
      release() {
        const now = waiting ?? [];
        waiting = undefined;
        for (const answer of now) answer();
      },
      held: () => waiting?.length ?? 0,
    };
  }

  /** Two servers, A and B, sharing `store`. */
  async function twoServersOn(store: SessionStore) {
    const [a, b] = [await startWss(), await startWss()];
    return { a, b, atA: new Sessions(acceptSessions(a.wss, { store })), atB: new Sessions(acceptSessions(b.wss, { store })) };
  }

  it('a client message the store saved before the claim is delivered on the first server (the client does not send it again)', async () => {
    const { store, release, held } = slowRepliesStore();
    const { a, b, atA, atB } = await twoServersOn(store);
    const first = await SessionClient.start(a.url);
    const onA = await atA.next();
    first.client.data(1, 0, '"c1"');
    await until(() => held() === 1, 5000, 'the save of c1');
    await first.client.drop();
    const second = await SessionClient.start(b.url, first.welcome.session, 0);
    expect(second.welcome).toMatchObject({ kind: 'resumed', received: 1 }); // the store has c1
    const onB = await atB.next();
    release();
    await until(() => atA.receivedBy(onA).length === 1, 5000, 'c1 on A');
    expect(atA.receivedBy(onA)).toEqual(['c1']);
    expect(atB.receivedBy(onB)).toEqual([]);
    atA.subscription.unsubscribe();
    atB.subscription.unsubscribe();
  });

  it('a message the store saved before the claim is replayed by the new holder once, not handed over a second time', async () => {
    const { store, release, held } = slowRepliesStore();
    const { a, b, atA, atB } = await twoServersOn(store);
    const first = await SessionClient.start(a.url);
    const onA = await atA.next();
    onA.next('s1');
    await until(() => held() === 1, 5000, 'the save of s1');
    await first.client.drop();
    const second = await SessionClient.start(b.url, first.welcome.session, 0);
    const onB = await atB.next();
    expect(await second.client.nextOf('data')).toMatchObject({ seq: 1, payload: '"s1"' });
    onA.next('s2'); // A no longer holds it: through the store, behind the hand-over
    release();
    expect(await second.client.nextOf('data')).toMatchObject({ seq: 2, payload: '"s2"' });
    onB.next('s3');
    expect(await second.client.nextOf('data')).toMatchObject({ seq: 3, payload: '"s3"' });
    expect(second.client.frames.filter((f) => f.type === 'data').map((f) => f.payload)).toEqual(['"s1"', '"s2"', '"s3"']);
    atA.subscription.unsubscribe();
    atB.subscription.unsubscribe();
  });
});

/**
 * Servers A, B and C on `store`; a client starts a session on A and resumes it on B (B's options:
 * `optionsAtB`), so that A's Session no longer holds it and routes its `next()` through the store.
 * `resumeOnC()` moves the client on to C.
 */
async function movedToB(store: SessionStore, optionsAtB: Omit<AcceptSessionsOptions<string>, 'store'> = {}) {
  const [a, b, c] = [await startWss(), await startWss(), await startWss()];
  const atA = new Sessions<string>(acceptSessions<string>(a.wss, { store }));
  const atB = new Sessions<string>(acceptSessions<string>(b.wss, { ...optionsAtB, store }));
  const atC = new Sessions<string>(acceptSessions<string>(c.wss, { store }));
  const first = await SessionClient.start(a.url);
  const onA = await atA.next();
  await first.client.drop();
  const id = first.welcome.session;
  const second = await SessionClient.start(b.url, id, 0);
  const onB = await atB.next();
  return {
    onA,
    onB,
    second,
    /** The client resumes on C, saying it received up to `received`; answers it and C's Session. */
    async resumeOnC(received: number) {
      const third = await SessionClient.start(c.url, id, received);
      return { third, onC: await atC.next() };
    },
    unsubscribe: () => {
      for (const sessions of [atA, atB, atC]) sessions.subscription.unsubscribe();
    },
  };
}

const dataOf = (client: SessionClient) => client.frames.filter((f) => f.type === 'data').map((f) => f.payload);

describe('messages routed through the store when the session moves on', () => {
  it("keep their sender's order: an inbox message the holder read but had not saved is still in the inbox for the next holder", async () => {
    // The memory store, whose saves by one holder wait (neither applied nor answered) until released.
    const memory = memorySessionStore();
    let heldHolder: string | undefined;
    const waiting: (() => void)[] = [];
    const store: SessionStore = {
      ...memory,
      update: (id, holder, change) =>
        holder === heldHolder ? new Promise<boolean>((resolve) => waiting.push(() => resolve(memory.update(id, holder, change) as boolean))) : memory.update(id, holder, change),
    };
    const { onA, onB, second, resumeOnC, unsubscribe } = await movedToB(store);
    heldHolder = onB.holder;
    onA.next('m1'); // B reads it from the inbox and numbers it: its save waits
    await until(() => waiting.length === 1, 5000, "the save of B's m1");
    onA.next('m2');
    await second.client.drop();
    const { third, onC } = await resumeOnC(0); // C claims: B's save of m1 never happened
    heldHolder = undefined;
    for (const release of waiting.splice(0)) release(); // refused: B lost the session
    expect(await third.client.nextOf('data')).toMatchObject({ seq: 1, payload: '"m1"' });
    expect(await third.client.nextOf('data')).toMatchObject({ seq: 2, payload: '"m2"' });
    onC.next('after');
    expect(await third.client.nextOf('data')).toMatchObject({ seq: 3, payload: '"after"' });
    expect(dataOf(third.client)).toEqual(['"m1"', '"m2"', '"after"']);
    unsubscribe();
  });

  it('a message waiting in the store when another server resumes the session is sent once (the claim hands it to the new Session)', async () => {
    // A store whose holders never hear 'published' (as when the holder's process is gone): what
    // the old Session publishes waits in the inbox until the next claim takes it.
    const memory = memorySessionStore();
    const store: SessionStore = { ...memory, watch: (id, listener) => memory.watch(id, (event) => event.type !== 'published' && listener(event)) };
    const { onA, second, resumeOnC, unsubscribe } = await movedToB(store);
    await second.client.drop();
    onA.next('waiting'); // A does not hold it: to the inbox
    const { third, onC } = await resumeOnC(0);
    expect(await third.client.nextOf('data')).toMatchObject({ seq: 1, payload: '"waiting"' });
    onC.next('after');
    expect(await third.client.nextOf('data')).toMatchObject({ seq: 2, payload: '"after"' });
    expect(dataOf(third.client)).toEqual(['"waiting"', '"after"']);
    unsubscribe();
  });
});

describe('messages routed through the store to a holder whose queue is full', () => {
  /** Collects what B's Session reports dropped. */
  const droppedBy = (session: Session<string>): unknown[] => {
    const dropped: unknown[] = [];
    session.dropped$.subscribe(({ data }) => dropped.push(data));
    return dropped;
  };

  it("policy 'drop-newest': they wait in the store (never dropped out of order), and reach the client in order, also after a move", async () => {
    const { onA, onB, second, resumeOnC, unsubscribe } = await movedToB(memorySessionStore(), { replayLimit: { messages: 1 }, queue: { limit: 1, overflow: 'drop-newest' } });
    const droppedAtB = droppedBy(onB);
    for (const value of ['x1', 'x2', 'x3', 'x4']) onA.next(value); // B: x1 sent, x2 queued, x3 and x4 left in the store
    expect(await second.client.nextOf('data')).toMatchObject({ seq: 1, payload: '"x1"' });
    second.client.send(encodeAck(1));
    expect(await second.client.nextOf('data')).toMatchObject({ seq: 2, payload: '"x2"' });
    await second.client.drop(); // x3 is queued at B now, x4 in the store
    const { third } = await resumeOnC(1);
    for (const [seq, payload] of [[2, '"x2"'], [3, '"x3"'], [4, '"x4"']] as const) expect(await third.client.nextOf('data')).toMatchObject({ seq, payload });
    expect(dataOf(third.client)).toEqual(['"x2"', '"x3"', '"x4"']);
    expect(droppedAtB).toEqual([]);
    unsubscribe();
  });

  it("policy 'drop-oldest': a dropped one is reported and removed from the store with the next save: never delivered after a move", async () => {
    const { onA, onB, second, resumeOnC, unsubscribe } = await movedToB(memorySessionStore(), { replayLimit: { messages: 1 }, queue: { limit: 1, overflow: 'drop-oldest' } });
    const droppedAtB = droppedBy(onB);
    for (const value of ['x1', 'x2', 'x3', 'x4']) onA.next(value); // B: x1 sent, x2 and x3 dropped, x4 queued
    expect(await second.client.nextOf('data')).toMatchObject({ seq: 1, payload: '"x1"' });
    await until(() => droppedAtB.length === 2, 5000, 'two drops at B');
    expect(droppedAtB).toEqual(['"x2"', '"x3"']);
    await second.client.drop();
    const { third, onC } = await resumeOnC(1);
    expect(await third.client.nextOf('data')).toMatchObject({ seq: 2, payload: '"x4"' });
    onC.next('after');
    expect(await third.client.nextOf('data')).toMatchObject({ seq: 3, payload: '"after"' });
    expect(dataOf(third.client)).toEqual(['"x4"', '"after"']);
    unsubscribe();
  });

  it('a message larger than replayLimit.bytes is refused at next() on a Session that does not hold the session too', async () => {
    const { onA, unsubscribe } = await movedToB(memorySessionStore());
    expect(() => onA.next('x'.repeat((1 << 20) + 1))).toThrow(RangeError);
    unsubscribe();
  });
});
