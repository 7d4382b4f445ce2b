// Node: rxws's own WebSocket on `ws`. The browser build puts platform.browser.ts in its place.
export { WebSocket } from './websocket.js';
export { CloseEvent, ErrorEvent, MessageEvent } from './events.js';
