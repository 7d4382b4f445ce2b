#!/usr/bin/env node
// The `rxws` command (package.json "bin"): `npx rxws connect <url>`, `npx rxws serve`. See docs/cli.md.
import { main } from '../dist/esm/cli/main.js';

const code = await main(process.argv.slice(2), process);
// Exit once what was written has gone out (a pipe may still hold it), whatever handles remain.
process.stdout.write('', () => process.exit(code));
