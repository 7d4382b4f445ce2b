// The main job in one run: an embedded WebSocket server on 127.0.0.1 and an rxws client talking
// to it. `npm run demo` builds the package first and runs this file against dist/.
import { WebSocketServer } from 'ws';
import { WebSocket } from 'rxws';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await new Promise((resolve) => server.once('listening', resolve));
const url = `ws://127.0.0.1:${server.address().port}/demo`;

// A tiny price feed: answers {subscribe} with three ticks, echoes everything else, and closes
// with 4000 when asked.
server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (isBinary) return ws.send(data);
    const message = JSON.parse(String(data));
    if (message.subscribe) {
      for (let i = 1; i <= 3; i++) ws.send(JSON.stringify({ symbol: message.subscribe, price: 100 + i }));
    } else if (message.bye) {
      ws.close(4000, 'see you');
    }
  });
});

console.log(`server listening on ${url}`);
const socket = new WebSocket(url);
socket.binaryType = 'arraybuffer';
let ticks = 0;

socket.onopen = () => {
  console.log(`open (readyState ${socket.readyState})`);
  socket.send(JSON.stringify({ subscribe: 'RXWS' }));
  socket.send(new Uint8Array([1, 2, 3]));
  console.log(`queued ${socket.bufferedAmount} payload bytes`);
};
socket.onmessage = (event) => {
  if (typeof event.data !== 'string') {
    console.log(`binary echo: [${[...new Uint8Array(event.data)]}]`);
    return;
  }
  console.log('tick', event.data);
  if (++ticks === 3) socket.send(JSON.stringify({ bye: true }));
};
socket.onclose = (event) => {
  console.log(`closed: code ${event.code}, reason '${event.reason}', clean ${event.wasClean}`);
  server.close();
};
