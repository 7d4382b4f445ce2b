// A property of acceptSessions() (issue 17): whatever the interleaving of messages both ways,
// dropped connections and server restarts on a shared store, each side's application receives
// exactly the sequence the other sent: nothing lost, nothing twice, in order (server messages:
// in the order of each sending Session). The client is a
// minimal, correct implementation of the protocol written here by hand.
import fc from 'fast-check';
import { WebSocket as WsClient, type RawData } from 'ws';
import { acceptSessions, memorySessionStore, type Session, type SessionStore } from 'rxws/node';
import { decodeFrame, encodeAck, encodeData, encodeHello, SESSION_PROTOCOL, type SessionPayload } from '../../lib/session/protocol.js';
import { asyncStore, startWss, until, useSessionTeardown, type TestWss } from './session-helpers.js';

useSessionTeardown();

const text = (payload: SessionPayload): string => (typeof payload === 'string' ? payload : Buffer.from(payload as Uint8Array).toString());

/** A protocol client: numbers its messages, keeps them until acknowledged, replays them on resume, drops duplicates, acks each data frame. */
class ModelClient {
  id: string | null = null;
  received = 0;
  sent = 0;
  replay: { seq: number; payload: string }[] = [];
  readonly got: string[] = [];
  ws: WsClient | undefined;
  problems: string[] = [];

  /** `sloppy`: on resume, replays its whole replay buffer, also what the welcome says the server has (duplicates the server must drop). */
  constructor(readonly sloppy: boolean) {}

  async connect(url: string): Promise<void> {
    const ws = new WsClient(url, [SESSION_PROTOCOL]);
    ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const welcomed = new Promise<void>((resolve) => {
      ws.on('message', (data: RawData, isBinary: boolean) => {
        const frame = decodeFrame(isBinary ? (data as Buffer) : (data as Buffer).toString());
        if (frame?.type === 'welcome') {
          if (this.id !== null && (frame.kind !== 'resumed' || frame.session !== this.id)) this.problems.push(`lost the session: ${JSON.stringify(frame)}`);
          this.id = frame.session;
          if (!this.sloppy) this.replay = this.replay.filter((m) => m.seq > frame.received);
          this.ws = ws;
          for (const m of this.replay) ws.send(encodeData(m.seq, this.received, m.payload));
          resolve();
        } else if (frame?.type === 'data') {
          this.replay = this.replay.filter((m) => m.seq > frame.ack);
          if (frame.seq <= this.received) return;
          if (frame.seq !== this.received + 1) this.problems.push(`gap: ${frame.seq} after ${this.received}`);
          this.received = frame.seq;
          this.got.push(text(frame.payload));
          ws.send(encodeAck(this.received));
        } else if (frame?.type === 'ack') {
          this.replay = this.replay.filter((m) => m.seq > frame.ack);
        } else this.problems.push(`unexpected frame ${JSON.stringify(frame)}`);
      });
    });
    ws.once('close', (code) => {
      if (this.ws === ws) this.ws = undefined;
      if (code !== 1006 && code !== 1005) this.problems.push(`closed with ${code}`);
    });
    ws.send(encodeHello(this.id, this.received));
    await welcomed;
  }

  send(payload: string): void {
    const seq = ++this.sent;
    this.replay.push({ seq, payload });
    this.ws?.send(encodeData(seq, this.received, payload));
  }

  async drop(): Promise<void> {
    const ws = this.ws;
    if (!ws) return;
    this.ws = undefined;
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.terminate();
    await closed;
  }
}

type Op = { type: 'client'; count: number } | { type: 'server'; count: number; viaOld: boolean } | { type: 'drop' } | { type: 'restart' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('client' as const), count: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ type: fc.constant('server' as const), count: fc.integer({ min: 1, max: 5 }), viaOld: fc.boolean() }),
  fc.constant({ type: 'drop' as const }),
  fc.constant({ type: 'restart' as const }),
);

/** A server on `store` whose sessions' received messages all go to `log`. */
async function serve(store: SessionStore, log: string[], sessions: Session<string, string>[]): Promise<{ wss: TestWss; stop: () => Promise<void> }> {
  const wss = await startWss();
  const subscription = acceptSessions<string, string>(wss.wss, { store, replayLimit: { messages: 8 }, queue: { limit: Infinity } }).subscribe((session) => {
    sessions.push(session);
    session.subscribe((value) => log.push(value));
  });
  return {
    wss,
    stop: async () => {
      subscription.unsubscribe();
      await wss.close();
    },
  };
}

it('messages both ways survive drops and restarts (on a store answering at once or with promises): each side receives exactly what the other sent, in order', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), fc.boolean(), fc.boolean(), async (ops, sloppy, promises) => {
      const store = promises ? asyncStore() : memorySessionStore();
      const serverGot: string[] = [];
      const sessions: Session<string, string>[] = [];
      let server = await serve(store, serverGot, sessions);
      const client = new ModelClient(sloppy);
      const clientSent: string[] = [];
      const serverSent: string[] = [];
      /** Which Session sent each server message: order holds per sender (as with a fleet, per process). */
      const senderOf = new Map<string, Session<string, string>>();
      await client.connect(server.wss.url);
      try {
        for (const step of ops) {
          if (step.type === 'client') {
            for (let i = 0; i < step.count; i++) {
              const value = `c${clientSent.length}`;
              clientSent.push(value);
              client.send(JSON.stringify(value));
            }
          } else if (step.type === 'server') {
            // The newest Session, or (restarts) an older one: the store routes it to the holder.
            const session = step.viaOld ? sessions[0]! : sessions[sessions.length - 1]!;
            for (let i = 0; i < step.count; i++) {
              const value = `s${serverSent.length}`;
              serverSent.push(value);
              senderOf.set(value, session);
              session.next(value);
            }
          } else if (step.type === 'drop') {
            await client.drop();
            await client.connect(server.wss.url);
          } else {
            await server.stop(); // drops the client
            await until(() => client.ws === undefined, 5000, 'the client to see the drop');
            server = await serve(store, serverGot, sessions);
            await client.connect(server.wss.url);
          }
        }
        await until(() => serverGot.length >= clientSent.length && client.got.length >= serverSent.length, 5000, 'every message');
        expect(client.problems).toEqual([]);
        expect(serverGot).toEqual(clientSent);
        const clientGot = client.got.map((m) => JSON.parse(m) as string);
        expect([...clientGot].sort()).toEqual([...serverSent].sort()); // nothing lost, nothing twice
        for (const sender of new Set(senderOf.values())) {
          const bySender = (values: string[]) => values.filter((v) => senderOf.get(v) === sender);
          expect(bySender(clientGot)).toEqual(bySender(serverSent)); // in order, per sender
        }
      } finally {
        await client.drop();
        await server.stop();
        for (const session of sessions) session.close();
      }
    }),
    { numRuns: 25 },
  );
});
