// Layer 1 in the page: `rxws`'s WebSocket is the platform's own.
import * as rxws from 'rxws';
import { WebSocket as RxwsWebSocket } from 'rxws';
import { nextEvent, registerTests } from './runtime.js';

registerTests({
  async nativeWebSocket(input: { url: string }) {
    const socket = new RxwsWebSocket(input.url);
    socket.binaryType = 'arraybuffer';
    await nextEvent(socket, 'open');
    const echoed = nextEvent<MessageEvent>(socket, 'message');
    socket.send('from the page');
    const event = await echoed;
    socket.close(1000, 'done');
    const closed = await nextEvent<CloseEvent>(socket, 'close');
    return {
      isNative: RxwsWebSocket === globalThis.WebSocket,
      controls: 'getNodeControls' in rxws ? 'present' : 'none', // the browser build has no Node controls at all
      echoed: event.data,
      close: [closed.code, closed.reason, closed.wasClean],
    };
  },
});
