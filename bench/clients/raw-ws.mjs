// Baseline: the `ws` package used directly, as a Node application would.
//
// Every adapter in bench/clients/ exports the same shape, so a scenario never knows which client
// it drives:
//   name          label in the table (the baseline is 'raw-ws')
//   description   one line for the docs / results file
//   checkTargets  whether the targets apply to this client (rxws's own clients)
//   scenarios     optional list of scenario names this adapter supports (default: all)
//   targets       optional per-metric targets overriding the scenario's, e.g. { msgPerSec: { min: 0.92 } },
//                 or per server: { msgPerSec: { minimal: { min: 0.92 }, ws: { min: 1.1 } } }
//   connect(url)  → Promise<{ send(data), onMessage(cb), close() → Promise }>, resolved once open.
//                 send() takes a string (text message) or a Uint8Array (binary message); cb gets a
//                 string for a text message and the client's natural binary type otherwise.
import WebSocket from 'ws';

export const name = 'raw-ws';
export const description = 'ws 8 WebSocket, `message` listener; text Buffers decoded with toString(), binary as Buffer';
export const checkTargets = false;

export function connect(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let callback = noop;
    // `ws` hands text messages over as Buffers; an application needs a string, so decoding it is
    // part of the work measured, as it is for the WHATWG clients that deliver strings.
    ws.on('message', (data, isBinary) => callback(isBinary ? data : data.toString()));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        send: (data) => ws.send(data),
        onMessage: (cb) => void (callback = cb),
        close: () =>
          new Promise((done) => {
            if (ws.readyState === WebSocket.CLOSED) return done();
            ws.once('close', () => done());
            ws.close();
          }),
      }),
    );
  });
}

function noop() {}
