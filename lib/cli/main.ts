// `rxws <command>`: the command line's entry (bin/rxws.mjs runs it), docs/cli.md.
import { connect, type CommandIo } from './connect.js';
import { serve } from './serve.js';
import { MAIN_HELP, UsageError } from './usage.js';

/**
 * Runs the command line `args` (without `node` and the script) and resolves with the exit code:
 * 0 a clean close, 1 an error, 2 bad usage (one line on stderr saying what was wrong).
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), process);
 */
export async function main(args: string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === 'connect') return await connect(rest, io);
    if (command === 'serve') return await serve(rest, io);
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(`${MAIN_HELP}\n`);
      return command === undefined ? 2 : 0;
    }
    throw new UsageError(`rxws: unknown command ${JSON.stringify(command)} (rxws connect <url> | rxws serve; rxws --help).`);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${error.message}\n`);
      return 2;
    }
    io.stderr.write(`rxws ${command ?? ''}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
