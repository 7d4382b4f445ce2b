// The SharedWorker script of spec/browser/shared.browser.spec.ts: what an app's own worker script
// holds to let a SharedWorker own its shared connections.
import { serveSharedWebSockets } from 'rxws/shared';
import { sharedSession } from 'rxws/shared/session';
import { resumable } from 'rxws/session';

serveSharedWebSockets({ session: (options) => sharedSession(resumable(options)) });
