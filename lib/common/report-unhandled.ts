// One way to report an error nobody handles, for every layer.
import { throwError, config as rxjsConfig } from 'rxjs';

/**
 * @internal Reports `error` as rxjs reports an unhandled error: `config.onUnhandledError`, or
 * thrown asynchronously through rxjs's timeout provider (which the TestScheduler virtualizes),
 * by erroring a subscription without an error callback. Under rxjs's deprecated synchronous
 * error handling that path would throw here, inside rxws's own bookkeeping, so then it is
 * `onUnhandledError` or a `setTimeout` throw. Only on error paths.
 */
export function reportUnhandledError(error: unknown): void {
  if (!rxjsConfig.useDeprecatedSynchronousErrorHandling) throwError(() => error).subscribe();
  else if (rxjsConfig.onUnhandledError) rxjsConfig.onUnhandledError(error);
  else
    setTimeout(() => {
      throw error;
    });
}
