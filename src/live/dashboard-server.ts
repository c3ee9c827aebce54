// The live page's server: `/` the page, `/events` its Server-Sent Events. A slow viewer
// never holds the run: frames are written without waiting, and a connection whose
// unsent bytes pile up is closed; its page reconnects with Last-Event-ID and is
// replayed from the ring (dashboard-feed.ts), so its charts have no gap.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { SecondSnapshot } from '../aggregate/second-window.js';
import type { Summary } from '../report/summary.js';
import { DashboardFeed, sseText } from './dashboard-feed.js';

/** Unsent bytes a connection may hold before it is dropped (a few minutes of frames). */
export const MAX_UNSENT_BYTES = 256 * 1024;
/** EventSource's wait before it reconnects (the `retry:` field). */
const RETRY_MS = 1000;

export class DashboardServer {
  readonly server: Server;
  private readonly clients = new Set<ServerResponse>();
  /** Connections dropped because they fell behind (tests and the bench read it). */
  dropped = 0;

  constructor(
    readonly feed: DashboardFeed,
    private readonly page: string,
  ) {
    this.server = createServer((req, res) => this.route(req, res));
  }

  second(s: SecondSnapshot): void {
    const frame = this.feed.second(s);
    this.broadcast(sseText({ event: 'second', id: frame.second, data: frame }));
  }

  end(summary: Summary): void {
    this.broadcast(sseText({ event: 'end', id: null, data: this.feed.end(summary) }));
  }

  close(): Promise<void> {
    for (const c of this.clients) c.end();
    this.clients.clear();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private broadcast(text: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_UNSENT_BYTES) {
        this.dropped++;
        this.clients.delete(res);
        res.destroy();
      } else res.write(text);
    }
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(this.page);
    } else if (path === '/favicon.ico') {
      res.writeHead(204).end(); // browsers ask; a 404 would show as an error in the page's console
    } else if (path === '/events') {
      this.subscribe(req, res);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the page is at /, its events at /events\n');
    }
  }

  private subscribe(req: IncomingMessage, res: ServerResponse): void {
    const header = req.headers['last-event-id'];
    const lastId = typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header) : null;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.write(`retry: ${RETRY_MS}\n\n`);
    for (const m of this.feed.replay(lastId)) res.write(sseText(m));
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }
}
