// Layer 1 in the page: `rxws`'s WebSocket is the platform's own.
import { WebSocket as RxwsWebSocket, getNodeControls } from 'rxws';
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
      controls: getNodeControls(socket) === undefined ? 'none' : 'present',
      echoed: event.data,
      close: [closed.code, closed.reason, closed.wasClean],
    };
  },
});
