// Shared by the Angular specs: Angular's test environment (TestBed on jsdom) and a wait for a
// condition that signals or the server will reach.
import { TextDecoder, TextEncoder } from 'node:util';
// jsdom's window lacks these; rxws's close-reason check uses TextEncoder.
Object.assign(globalThis, { TextEncoder: globalThis.TextEncoder ?? TextEncoder, TextDecoder: globalThis.TextDecoder ?? TextDecoder });
import '@angular/compiler'; // TestBed compiles its test module just in time
import { TestBed } from '@angular/core/testing';
import { BrowserTestingModule, platformBrowserTesting } from '@angular/platform-browser/testing';

TestBed.initTestEnvironment(BrowserTestingModule, platformBrowserTesting(), { teardown: { destroyAfterEach: true } });

/** Resolves once `condition()` holds (checked on each macrotask turn), rejects after `timeout` ms naming `what`. */
export async function until(condition: () => boolean, what: string, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
