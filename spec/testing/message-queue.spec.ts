import fc from 'fast-check';
import { MessageQueue, WaitTimeoutError } from '../../lib/testing/message-queue.js';

function read(queue: MessageQueue<unknown>, timeout = 1000, signal?: AbortSignal): Promise<unknown> {
  return queue.next({ timeout, signal, label: 'read', defaultTimeout: 1000, timeoutError: (ms) => new WaitTimeoutError(`timed out ${ms}`) });
}

describe('MessageQueue', () => {
  it('delivers in order, to waiting and later reads alike', async () => {
    const q = new MessageQueue<unknown>();
    const first = read(q);
    q.push('a');
    q.push('b');
    await expect(first).resolves.toBe('a');
    await expect(read(q)).resolves.toBe('b');
  });

  it.each([0, '', false, null, undefined, NaN])('keeps the falsy message %p', async (value) => {
    const q = new MessageQueue<unknown>();
    q.push(value);
    q.push('after');
    await expect(read(q)).resolves.toBe(value);
    await expect(read(q)).resolves.toBe('after');
  });

  it('a timed-out read never takes a later message', async () => {
    const q = new MessageQueue<unknown>();
    await expect(read(q, 10)).rejects.toThrow('timed out 10');
    await expect(read(q, 10)).rejects.toThrow(WaitTimeoutError);
    q.push('hello');
    await expect(read(q, 10)).resolves.toBe('hello');
    expect(q.pending).toEqual([]);
  });

  it('an aborted read is withdrawn and rejects with the reason', async () => {
    const q = new MessageQueue<unknown>();
    const controller = new AbortController();
    const aborted = read(q, 1000, controller.signal);
    const next = read(q);
    controller.abort(new Error('no longer needed'));
    await expect(aborted).rejects.toThrow('no longer needed');
    q.push(1);
    await expect(next).resolves.toBe(1);
    const already = AbortSignal.abort(new Error('already'));
    await expect(read(q, 1000, already)).rejects.toThrow('already');
  });

  it('errors in line reject exactly one read, in order', async () => {
    const q = new MessageQueue<unknown>();
    q.push('a');
    q.pushError(new Error('bad frame'));
    q.push('b');
    await expect(read(q)).resolves.toBe('a');
    await expect(read(q)).rejects.toThrow('bad frame');
    await expect(read(q)).resolves.toBe('b');
  });

  it('end rejects pending reads, then later reads after the buffer drains', async () => {
    const q = new MessageQueue<unknown>();
    const waiting = read(q);
    expect(q.pending).toEqual([{ label: 'read', waitedMs: expect.any(Number) }]);
    q.end(() => new Error('closed'));
    await expect(waiting).rejects.toThrow('closed');
    const q2 = new MessageQueue<unknown>();
    q2.push('left');
    q2.end(() => new Error('closed'));
    await expect(read(q2)).resolves.toBe('left');
    await expect(read(q2)).rejects.toThrow('closed');
  });

  it('property: with reads aborted at random, every pushed message is read exactly once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('push', 'read', 'abort'), { maxLength: 40 }), async (ops) => {
        const q = new MessageQueue<unknown>();
        const pushed: number[] = [];
        const reads: Promise<unknown>[] = [];
        for (const op of ops) {
          if (op === 'push') {
            pushed.push(pushed.length);
            q.push(pushed.length - 1);
          } else {
            const c = new AbortController();
            reads.push(read(q, 5000, c.signal));
            if (op === 'abort') c.abort(new Error('aborted'));
          }
        }
        const rest = q.drain();
        q.end(() => new Error('end'));
        const results = await Promise.allSettled(reads);
        const values = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        expect([...values, ...rest]).toEqual(pushed);
      }),
      { numRuns: 200 },
    );
  });
});
