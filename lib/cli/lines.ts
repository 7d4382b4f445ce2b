// The lines of a stream, read only as fast as they are taken: a pipeline's stdin is not read
// ahead of what the socket can send.
import type { Readable } from 'node:stream';

/** Yields each line of `input` (without `\n` or `\r\n`); a last line without a newline too. */
export async function* linesOf(input: Readable): AsyncGenerator<string> {
  input.setEncoding('utf8'); // (a character split across chunks stays whole)
  let rest = '';
  for await (const chunk of input as AsyncIterable<string>) {
    rest += chunk;
    let start = 0;
    for (let end = rest.indexOf('\n'); end >= 0; end = rest.indexOf('\n', start)) {
      yield rest.charCodeAt(end - 1) === 0x0d ? rest.slice(start, end - 1) : rest.slice(start, end);
      start = end + 1;
    }
    rest = rest.slice(start);
  }
  if (rest !== '') yield rest;
}
