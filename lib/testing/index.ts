// rxws/testing: message-driven WebSocket test fixtures. A real loopback server that any client
// can reach (no global is patched), with correct queues, fault injection and scripted replies;
// and an in-memory WebSocket for virtual-time tests. Jest matchers live in `rxws/testing/jest`.
export { createTestServer, TestServer } from './server.js';
export type { TestServerOptions, RestartOptions, CloseOptions, Refusal, VerifyResult, HandshakeRecord } from './server.js';
export { TestConnection, ConnectionClosedError } from './connection.js';
export type { UpgradeRequest, CloseInfo, DropOptions } from './connection.js';
export { WaitTimeoutError } from './message-queue.js';
export type { WaitOptions, PendingWait } from './message-queue.js';
export { rawCodec, jsonCodec, DecodeError } from './codec.js';
export type { Codec, FrameData } from './codec.js';
export { ReplyRule } from './script.js';
export type { Reply, ReplyFunction, ScriptedPeer } from './script.js';
export { frames, buildFrame } from './faults.js';
export type { FrameSpec } from './faults.js';
export { closeAllTestServers, useTestServers, openTestServerCount, formatTeardownReport, TestServerLeakError } from './teardown.js';
export type { TeardownReport, TeardownOptions, LeakPolicy } from './teardown.js';
export type { TranscriptEntry, Direction } from './transcript.js';
export { createMemoryWebSocket, MemoryWebSocketController, MemorySocketHandle } from './memory-socket.js';
export type {
  MemoryWebSocket,
  MemoryWebSocketConstructor,
  MemoryWebSocketOptions,
  OpenOptions,
  SentData,
} from './memory-socket.js';
export type { MessageMatcher, AsymmetricMatcher } from './match.js';
// The kit's own helpers (real-time timers, message formatting, deep equality, matchMessage) are
// not exported: specs that need them import them from their module (e.g. '../../lib/testing/timers.js').
