// The Node options live with the WebSocket layer that reads them (lib/websocket/node-options.ts);
// this module keeps the old path for the modules that still import it from here.
export type { NodeWebSocketOptions } from '../websocket/node-options.js';
export { NODE_DEFAULTS, NODE_OPTION_NAMES, toWsOptions } from '../websocket/node-options.js';
