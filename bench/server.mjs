// The loopback WebSocket server the benchmark clients talk to, run in its own process so that the
// CPU measured in a case process is the client's alone.
//
// It is a deliberately minimal RFC 6455 server on `node:net` rather than a `ws` server: its job
// is to cost as little per message as possible so that, on a 2-core machine, the client (the
// thing under test) is the bottleneck. It batches: every frame parsed out of one TCP read is
// answered in one corked write, where a `ws` server would emit an event and issue a write per
// message. No extensions are negotiated (every client's permessage-deflate offer is declined),
// and client frames are never fragmented at the sizes used here.
//
// Modes, chosen per connection by the request path:
//   /echo                            every data frame is sent back unchanged (unmasked)
//   /sink                            data frames are parsed and dropped
//   /source?size=32&type=text|binary the server sends frames of `size` bytes as fast as the
//                                    client reads them (TCP backpressure), until it closes
// Every mode answers a close frame with a close frame and then ends the TCP connection.
//
// `--server=ws` runs instead what most Node services run: a plain `ws` server with its default
// options, `new WebSocketServer({ port: 0 })`, echoing each message with
// `ws.send(data, { binary: isBinary })` (one event and one write per message; `bufferutil` is
// installed, so it masks and unmasks natively, as a production service would). It echoes on
// every path (the /sink and /source modes are the minimal server's only).
//
// Usage: node bench/server.mjs [port] [--server=minimal|ws]   (port 0 or none: any free port).
// Prints one JSON line, {"port":N}, once listening; exits when its stdin closes (the parent went
// away) or on SIGTERM.
import { createServer } from 'node:net';
import { createHash } from 'node:crypto';
import { WebSocketServer } from 'ws';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** An unmasked server frame header for a payload of `length` bytes. */
function header(opcode, length) {
  if (length < 126) return Buffer.from([0x80 | opcode, length]);
  if (length < 65536) {
    const h = Buffer.allocUnsafe(4);
    h[0] = 0x80 | opcode;
    h[1] = 126;
    h.writeUInt16BE(length, 2);
    return h;
  }
  const h = Buffer.allocUnsafe(10);
  h[0] = 0x80 | opcode;
  h[1] = 127;
  h.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
  h.writeUInt32BE(length >>> 0, 6);
  return h;
}

/**
 * Unmasks `src` (a masked client payload) into a fresh buffer. Works a 32-bit word at a time on
 * an aligned copy: a byte loop over a 64 KiB payload would make the server, not the client, the
 * bottleneck of the binary scenario.
 */
function unmask(src, mask) {
  const length = src.length;
  const out = Buffer.from(new ArrayBuffer((length + 3) & ~3), 0, length);
  src.copy(out);
  const words = new Uint32Array(out.buffer, 0, length >>> 2);
  const m = Buffer.from(mask); // own copy: aligned, so it can be read as a native-endian word
  const mask32 = new Uint32Array(m.buffer.slice(m.byteOffset, m.byteOffset + 4))[0];
  for (let i = 0; i < words.length; i++) words[i] ^= mask32;
  for (let i = length & ~3; i < length; i++) out[i] ^= mask[i & 3];
  return out;
}

function accept(socket, head, onUpgraded) {
  const text = head.toString('latin1');
  const key = /\r\nsec-websocket-key:\s*(\S+)/i.exec(text)?.[1];
  const path = /^GET (\S+) HTTP/.exec(text)?.[1] ?? '/';
  if (!key) {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    return;
  }
  const digest = createHash('sha1').update(key + GUID).digest('base64');
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${digest}\r\n\r\n`,
  );
  onUpgraded(new URL(path, 'ws://bench'));
}

// Payloads up to this size are unmasked straight into the batch's shared output buffer; larger
// ones get their own aligned buffer (see unmask).
const SMALL = 1024;

function serve(socket) {
  socket.setNoDelay(true);
  // Bytes not yet parsed: whole reads kept as a list and joined only once a complete frame (or
  // the handshake) is there, so a 64 KiB frame arriving over several reads is copied once.
  let chunks = [];
  let queued = 0;
  let needed = 1; // bytes required before parsing is worth trying
  let url = null; // set once the handshake is done
  let mode = 'echo';
  let closing = false;

  const source = () => {
    const size = Number(url.searchParams.get('size') ?? 32);
    const opcode = url.searchParams.get('type') === 'binary' ? OP_BINARY : OP_TEXT;
    const frame = Buffer.concat([header(opcode, size), Buffer.alloc(size, 0x61)]);
    // Writes ~64 KiB batches of whole frames (one syscall for many messages); a single oversize
    // frame is its own batch.
    const batch = Buffer.concat(Array(Math.max(1, Math.floor(65536 / frame.length))).fill(frame));
    const pump = () => {
      while (!closing && !socket.destroyed && socket.write(batch));
    };
    socket.on('drain', pump);
    pump();
  };

  socket.on('data', (chunk) => {
    chunks.push(chunk);
    queued += chunk.length;
    if (queued < needed) return;
    let data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, queued);
    chunks = [];
    queued = 0;
    needed = 1;
    if (url === null) {
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) {
        chunks.push(data);
        queued = data.length;
        return;
      }
      accept(socket, data.subarray(0, end), (u) => {
        url = u;
        mode = u.pathname.slice(1) || 'echo';
      });
      data = data.subarray(end + 4);
      if (mode === 'source') source();
    }
    // Replies to every frame in this read go out in one corked write: small frames are
    // written into one output buffer (server frames are shorter than masked client frames, so
    // the read's size bounds it), large ones are separate pieces.
    const pieces = [];
    const out = Buffer.allocUnsafe(data.length);
    let outStart = 0;
    let outEnd = 0;
    const reply = (opcode, payload, mask) => {
      if (payload.length > SMALL) {
        if (outEnd > outStart) pieces.push(out.subarray(outStart, outEnd));
        outStart = outEnd;
        pieces.push(header(opcode, payload.length), unmask(payload, mask));
        return;
      }
      out[outEnd++] = 0x80 | opcode;
      if (payload.length < 126) out[outEnd++] = payload.length;
      else {
        out[outEnd++] = 126;
        out.writeUInt16BE(payload.length, outEnd);
        outEnd += 2;
      }
      for (let i = 0; i < payload.length; i++) out[outEnd++] = payload[i] ^ mask[i & 3];
    };
    let offset = 0;
    while (data.length - offset >= 2) {
      const opcode = data[offset] & 0x0f;
      let length = data[offset + 1] & 0x7f;
      let at = offset + 2;
      if (length === 126) {
        if (data.length - offset < 4) break;
        length = data.readUInt16BE(at);
        at += 2;
      } else if (length === 127) {
        if (data.length - offset < 10) break;
        length = data.readUInt32BE(at) * 2 ** 32 + data.readUInt32BE(at + 4);
        at += 8;
      }
      if (data.length - at < 4 + length) {
        needed = at + 4 + length - offset;
        break;
      }
      const mask = data.subarray(at, at + 4);
      const payload = data.subarray(at + 4, at + 4 + length);
      offset = at + 4 + length;
      if (opcode === OP_CLOSE) {
        closing = true;
        reply(OP_CLOSE, payload, mask);
        break;
      }
      if (opcode === OP_PING) reply(OP_PONG, payload, mask);
      else if (mode === 'echo' && opcode !== OP_PONG) reply(opcode, payload, mask);
    }
    if (offset < data.length && !closing) {
      chunks.push(data.subarray(offset));
      queued = data.length - offset;
    }
    if (outEnd > outStart) pieces.push(out.subarray(outStart, outEnd));
    if (pieces.length > 0) {
      socket.cork();
      for (const piece of pieces) socket.write(piece);
      socket.uncork();
    }
    if (closing) {
      socket.end();
      return;
    }
    // Echo backpressure: stop reading while the client is not reading its echoes.
    if (socket.writableNeedDrain) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
  });
  socket.on('error', () => socket.destroy());
}

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const kind = process.argv.find((a) => a.startsWith('--server='))?.slice('--server='.length) ?? 'minimal';
const listening = (server) => () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
if (kind === 'ws') {
  // Default options but the address (loopback, as the minimal server) and the backlog.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(positional[0] ?? 0), backlog: 4096 });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => ws.terminate());
  });
  wss.on('listening', listening(wss));
} else if (kind === 'minimal') {
  const server = createServer({ noDelay: true }, serve);
  // A large backlog: the memory scenario opens hundreds of connections at once.
  server.listen({ host: '127.0.0.1', port: Number(positional[0] ?? 0), backlog: 4096 }, listening(server));
} else {
  throw new Error(`--server must be 'minimal' or 'ws', not '${kind}'`);
}
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop).on('close', stop).resume();
