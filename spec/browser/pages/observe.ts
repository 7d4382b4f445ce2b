// logLifecycle() (rxws/observe) in a page: the events of a connection, a server restart and the
// reconnect, as plain data for the Node side (a cause as its class name).
import { filter, firstValueFrom, timeout } from 'rxjs';
import { webSocket, reconnect, type LifecycleEvent } from 'rxws';
import { logLifecycle } from 'rxws/observe';
import { registerTests } from './runtime.js';

registerTests({
  async lifecycle(input: { url: string }) {
    const subject = webSocket<string, string>({ url: input.url, serializer: (v) => v, deserializer: (e) => String(e.data) });
    const events: Array<Record<string, unknown>> = [];
    const stop = logLifecycle(subject, (event: LifecycleEvent) => {
      const copy: Record<string, unknown> = { ...event };
      if ('cause' in event) copy['cause'] = (event.cause as object | undefined)?.constructor.name;
      events.push(copy);
    });
    const opens = () => events.filter((e) => e['type'] === 'open').length;
    const secondOpen = firstValueFrom(subject.open$.pipe(filter(() => opens() === 2), timeout(10_000))); // (open$ follows the open event)
    const subscription = subject.pipe(reconnect({ initialDelay: 10, maxDelay: 40 })).subscribe();
    subject.next('please restart'); // the server closes the first connection with 1012
    await secondOpen;
    subscription.unsubscribe();
    await firstValueFrom(subject.state$.pipe(filter((s) => s === 'closed'), timeout(10_000))).catch(() => undefined);
    stop();
    return events;
  },
});
