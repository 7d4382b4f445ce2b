// `expectNoMessage()`, shared by a connection and its server: quiet means nothing unread now and
// nothing arriving for a while (real time, even under fake timers).
import { formatMessage } from './format.js';
import type { MessageQueue } from './message-queue.js';
import { realClearTimeout, realSetTimeout } from './timers.js';

/** @internal Shared by connection and server: resolve after `ms` unless a message is or becomes available. */
export function expectQuiet(
  queue: MessageQueue<unknown>,
  ms: number,
  label: string,
  receivedSoFar: () => string,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (queue.size > 0) {
      reject(new Error(`Expected no message on ${label}, but there is an unread one.\n${receivedSoFar()}`));
      return;
    }
    const stop = queue.watch((item) => {
      stop();
      realClearTimeout(timer);
      const what = item.ok ? formatMessage(item.value) : item.error.message;
      reject(new Error(`Expected no message on ${label} within ${ms} ms, but received ${what}.\n${receivedSoFar()}`));
    });
    const timer = realSetTimeout(() => {
      stop();
      resolve();
    }, ms);
  });
}
