// A loopback server that breaks HTTP on purpose, one fault per path, on raw `net`
// so that framing, FIN and RST are exactly what the test asks for.
//
//   /frame/<framing>/<ending>   framing: chunked | chunked-close | close-delimited | content-length
//                               ending:  clean | fin-mid-event | fin-mid-chunk | rst
//   /interim/<status>           an interim 1xx response (100, 102, 103), then a normal reply
//   /upgrade                    an unsolicited 101 Switching Protocols
//   /big-headers                response headers over undici's 16 KiB limit
//   /silent                     one event, then nothing (the connection stays open)
//   /ids/<id>                   one event with that id (UTF-8), then a FIN; records Last-Event-ID
import { createServer, type Server, type Socket } from 'node:net';

/** Two complete events, the sentinel, and half an event: the bytes every fault is made of. */
const EVENTS = 'data: one\n\ndata: two\n\n';
const SENTINEL = 'data: [DONE]\n\n';
const HALF_EVENT = 'data: thr';

export const FRAMINGS = ['chunked', 'chunked-close', 'close-delimited', 'content-length'] as const;
export const ENDINGS = ['clean', 'fin-mid-event', 'fin-mid-chunk', 'rst'] as const;
export type Framing = (typeof FRAMINGS)[number];
export type Ending = (typeof ENDINGS)[number];

export interface FaultServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** Request heads received, raw (latin1: each byte one char), in arrival order. */
  heads: string[];
  close(): Promise<void>;
}

const OK = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n';

export async function startFaultServer(): Promise<FaultServer> {
  const sockets = new Set<Socket>();
  const heads: string[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      heads.push(head.slice(0, end));
      const path = head.slice(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
      serve(socket, path);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    heads,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function serve(socket: Socket, path: string): void {
  const parts = path.split('/');
  switch (parts[1]) {
    case 'frame':
      return frame(socket, parts[2] as Framing, parts[3] as Ending);
    case 'interim':
      socket.write(`HTTP/1.1 ${parts[2]} Interim\r\nlink: </style.css>; rel=preload\r\n\r\n`);
      return frame(socket, 'chunked', 'clean');
    case 'upgrade':
      socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n');
      return;
    case 'big-headers':
      socket.write(`${OK}x-padding: ${'a'.repeat(17 * 1024)}\r\ntransfer-encoding: chunked\r\n\r\n`);
      return;
    case 'silent':
      socket.write(`${OK}transfer-encoding: chunked\r\n\r\n${chunk(EVENTS)}`);
      return;
    case 'ids': {
      const body = `id: ${decodeURIComponent(parts[2] ?? '')}\ndata: x\n\n`;
      socket.end(Buffer.concat([Buffer.from(`${OK}connection: close\r\n\r\n`), Buffer.from(body, 'utf8')]));
      return;
    }
    default:
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  }
}

function chunk(s: string, declared = Buffer.byteLength(s)): string {
  return `${declared.toString(16)}\r\n${s}${declared === Buffer.byteLength(s) ? '\r\n' : ''}`;
}

/**
 * The reply: two events, then the ending.
 * - clean: the sentinel, then the framing's own end (last chunk, Content-Length reached, close).
 * - fin-mid-event: half an event (at a chunk boundary), then a FIN.
 * - fin-mid-chunk: a chunk (or Content-Length) that announces the sentinel too, cut at the event
 *   boundary before it, then a FIN. A close-delimited body has no chunk: it just closes there.
 * - rst: a reset after the two events.
 */
function frame(socket: Socket, framing: Framing, ending: Ending): void {
  const full = EVENTS + SENTINEL;
  let headers = OK;
  if (framing === 'chunked') headers += 'transfer-encoding: chunked\r\n';
  if (framing === 'chunked-close') headers += 'transfer-encoding: chunked\r\nconnection: close\r\n';
  if (framing === 'close-delimited') headers = headers.replace('HTTP/1.1', 'HTTP/1.0');
  if (framing === 'content-length') headers += `content-length: ${Buffer.byteLength(ending === 'fin-mid-event' ? EVENTS + HALF_EVENT + '\n\n' : full)}\r\n`;
  socket.write(headers + '\r\n');
  const chunked = framing === 'chunked' || framing === 'chunked-close';
  const body = (s: string): string => (chunked ? chunk(s) : s);
  switch (ending) {
    case 'clean':
      socket.write(body(EVENTS));
      socket.write(body(SENTINEL));
      if (chunked) socket.write('0\r\n\r\n');
      // Keep-alive framings leave the connection open, as a server would.
      if (framing === 'chunked-close' || framing === 'close-delimited') socket.end();
      return;
    case 'fin-mid-event':
      socket.write(body(EVENTS));
      socket.write(body(HALF_EVENT));
      setTimeout(() => socket.end(), 20);
      return;
    case 'fin-mid-chunk':
      socket.write(chunked ? chunk(EVENTS, Buffer.byteLength(full)) : EVENTS);
      setTimeout(() => socket.end(), 20);
      return;
    case 'rst':
      socket.write(body(EVENTS));
      setTimeout(() => socket.resetAndDestroy(), 20);
      return;
  }
}
