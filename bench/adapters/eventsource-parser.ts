// eventsource-parser behind the same push(Buffer)/end() shape as our decoder, so the
// conformance fixtures and the decoder benchmark can drive both. It takes strings,
// so bytes go through a streaming TextDecoder first, and the stream's one leading BOM is
// stripped here: from Node 24, TextDecoder's streaming mode also strips a second BOM after a
// first one split across chunks (EF | BB BF EF BB BF), where the Encoding standard keeps it.
import { createParser, type EventSourceParser } from 'eventsource-parser';
import type { SseSink } from '../../src/driver/sse-decoder.js';

export class EventsourceParserAdapter {
  private readonly text = new TextDecoder('utf-8', { ignoreBOM: true });
  private atStart = true;
  private readonly parser: EventSourceParser;
  // eventsource-parser reports each event's own `id` field; the persistent last
  // event ID of the spec is the caller's to keep.
  private lastEventId = '';

  constructor(sink: SseSink) {
    this.parser = createParser({
      onEvent: (e) => {
        if (e.id !== undefined) this.lastEventId = e.id;
        sink.onEvent(e.data, e.event ?? 'message', this.lastEventId);
      },
      onRetry: (ms) => sink.onRetry?.(ms),
      onComment: () => sink.onComment?.(),
    });
  }

  push(chunk: Buffer): boolean {
    this.parser.feed(this.withoutBom(this.text.decode(chunk, { stream: true })));
    return true;
  }

  end(): boolean {
    this.parser.feed(this.withoutBom(this.text.decode()));
    this.parser.reset({ consume: false });
    return false;
  }

  /** The text with the stream's first character removed if it is a BOM (U+FEFF). */
  private withoutBom(text: string): string {
    if (!this.atStart || text === '') return text;
    this.atStart = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}
