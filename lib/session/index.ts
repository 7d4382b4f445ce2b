/**
 * `rxws/session`: resumable sessions (docs/sessions.md), the client's end. Nothing here is bundled
 * unless imported.
 * @packageDocumentation
 */
export { resumable } from './resumable.js';
export { SessionError } from './session-error.js';
export { SESSION_DEFAULTS, type SessionOptions, type ResumableOptions, type ReplayLimit } from './options.js';
export { SESSION_PROTOCOL } from './protocol.js';
export type { SessionEvent, SessionOption } from '../subject/features.js';
