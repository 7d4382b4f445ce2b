// The command line's help texts and its usage error (exit code 2).

/** A mistake in the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const MAIN_HELP = `rxws: WebSocket connections on the command line

Usage:
  rxws connect <url> [options]   a client: lines in, messages out (reconnects with --reconnect)
  rxws serve [options]           a local server for trying clients and for tests, faults on purpose
  rxws <command> --help          the options of a command

Exit codes: 0 a clean close, 1 an error, 2 bad usage.`;

export const CONNECT_HELP = `rxws connect <url> [options]

On a terminal: each line typed is sent, each message received is printed (JSON pretty and
coloured), state changes go to stderr. In a pipeline (stdin or stdout not a terminal): each stdin
line is sent, each message is written to stdout as one line, with backpressure both ways; the
command exits when stdin ends and everything was sent (and --wait ms have passed for replies).

Options:
  -H, --header 'name: value'   a request header (repeatable)
  -p, --protocol <name>        a subprotocol to offer (repeatable)
      --reconnect              reconnect with backoff after a drop (rxws's reconnect())
      --max-attempts <n>       with --reconnect: give up after n attempts (default: never)
      --initial-delay <ms>     with --reconnect: the first backoff delay (default 1000)
      --heartbeat <ms>         ping every <ms>; a connection silent for <ms> more is dead
      --print-rtt              with --heartbeat: print each ping's round trip on stderr
      --json                   send only lines that are JSON (a bad line is reported with its
                               number and not sent)
      --binary hex|base64      how binary messages are printed (default hex)
      --close-after <ms>       close (1000) this long after the connection opens
      --wait <ms>              in a pipeline: after stdin ends and all is sent, wait this long
                               for replies before closing (default 0)
      --ca <file>              trust this CA certificate (PEM) for wss://
      --cert <file>            a client certificate (PEM)
      --key <file>             the client certificate's key (PEM)
      --insecure               DANGER: accept any server certificate (no TLS verification)
  -h, --help                   this help

At the prompt: /ping (a protocol ping, prints its round trip), /close [code] [reason],
/state, /quit.

Exit codes: 0 a clean close, 1 an error (the reason on stderr), 2 bad usage.`;

export const SERVE_HELP = `rxws serve [options]

A local WebSocket server (rxws/testing's test server) on 127.0.0.1. Prints each connection,
message and close on stderr; stops on SIGINT/SIGTERM, closing every client with 1001.

Options:
      --port <n>               the port (default 0: a free one, printed as the first line of stdout)
      --echo                   answer each message with itself (the default)
      --broadcast              send each message to every connection
      --script <file.mjs>      a module whose default export (or \`reply\`) answers each message:
                               (message, connection) => reply | undefined (a promise too)
      --json                   parse and print messages as JSON
      --drop-every <n>         drop the connection (no close frame) every n-th message it sends us
      --restart-every <ms>     restart every <ms>: clients get 1012 and may reconnect
      --refuse <n>             refuse the first n handshakes with 503 and Retry-After: 1
      --stall-after <n>        stop reading and answering a connection after its n-th message
      --latency <ms>           answer each message this late
  -h, --help                   this help

Exit codes: 0 stopped by a signal, 1 an error, 2 bad usage.`;
