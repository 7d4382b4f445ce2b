// Page-side runtime: registers tests by name, and answers a Worker's request to run one.
export type PageTest = (input: never) => Promise<unknown>;

/** Registers the page's tests; in a Worker, waits for the page to name one, runs it and posts back. */
export function registerTests(tests: Record<string, PageTest>): void {
  const scope = globalThis as unknown as { __rxwsTests?: Record<string, PageTest>; document?: unknown; postMessage?: (m: unknown) => void; onmessage?: unknown };
  scope.__rxwsTests = tests;
  if (scope.document === undefined && typeof scope.postMessage === 'function') {
    const post = scope.postMessage.bind(scope);
    scope.onmessage = async (event: MessageEvent) => {
      const { name, input } = event.data as { name: string; input: unknown };
      try {
        post({ result: await tests[name]!(input as never) });
      } catch (error) {
        post({ error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) });
      }
    };
    post({ ready: true });
  }
}

/** Resolves after `ms`. */
export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the next `type` event of `target`, or rejects after `ms`. */
export function nextEvent<E extends Event>(target: EventTarget, type: string, ms = 5000): Promise<E> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${ms} ms`)), ms);
    target.addEventListener(type, (event) => {
      clearTimeout(timer);
      resolve(event as E);
    }, { once: true });
  });
}
