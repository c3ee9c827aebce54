// An event's data as the decoder holds it when it dispatches the event: the UTF-8 bytes of
// its one data line in the chunk that brought them, the bytes of several lines joined, or a
// string. Making the data's string was sse-soak's largest allocation per event (~130 B of
// ~190 B, bench:alloc), and most events need none: the sentinel check compares bytes, counting
// one token per event asks only whether there is data, and the usage reader's marker search
// runs on bytes. The string is made, once, where a reader needs it (a JSON path, a usage
// event, a conversation's reply text).
//
// A view is valid only during the sink's onEventData call: its bytes belong to a chunk, or to
// the decoder's buffer, which the next event overwrites.

export class EventData {
  // Bytes [start, end) of buf, or the text alone when buf is null.
  private buf: Buffer | null = null;
  private start = 0;
  private end = 0;
  // The data as a string: given, or made once by text().
  private str: string | null = null;

  /** A view of a string (a caller that has one, e.g. a test). */
  static of(text: string): EventData {
    const d = new EventData();
    d.setText(text);
    return d;
  }

  /** Decoder only: the data is bytes [start, end) of buf. */
  setBytes(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.str = null;
  }

  /** Decoder only: the data is this string. */
  setText(text: string): void {
    this.buf = null;
    this.str = text;
  }

  /** Decoder only: lets go of the bytes and the string once the sink has read them (a view kept past its call reads as empty). */
  clear(): void {
    this.buf = null;
    this.str = '';
  }

  /** Whether the data is the empty string (an empty string decodes from no bytes, and only from none). */
  get isEmpty(): boolean {
    return this.buf === null ? this.str === '' : this.end === this.start;
  }

  /** The data as a string, as the decoder would have dispatched it; made on the first call. */
  text(): string {
    if (this.str === null) this.str = this.buf === null ? '' : this.buf.toString('utf8', this.start, this.end);
    return this.str;
  }

  /** Whether the data is `s` (the sentinel): an ASCII `s` is compared to the bytes; any other, as text. */
  equals(s: string): boolean {
    const buf = this.buf;
    if (buf === null || this.str !== null) return this.text() === s;
    const n = this.end - this.start;
    // Every UTF-16 unit of decoded text takes at least one byte of UTF-8.
    if (s.length > n) return false;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return this.text() === s;
      // An ASCII character decodes from its one byte and from no other.
      if (buf[this.start + i] !== c) return false;
    }
    return s.length === n;
  }

  /**
   * Code units of the data: bytes of UTF-8, or UTF-16 units of a string. Searches for ASCII
   * (JSON's keys and punctuation) find the same things in either, at different offsets: no
   * byte of a multibyte UTF-8 character is ASCII.
   */
  get units(): number {
    return this.buf === null ? (this.str as string).length : this.end - this.start;
  }

  /** The code unit at i (see units); NaN outside the data. */
  unitAt(i: number): number {
    if (this.buf === null) return (this.str as string).charCodeAt(i);
    return i >= 0 && i < this.end - this.start ? (this.buf[this.start + i] as number) : NaN;
  }

  /** Where `needle`, which must be ASCII and not empty, first occurs at or after unit `from`, or -1. */
  indexOfAscii(needle: string, from: number): number {
    const buf = this.buf;
    if (buf === null) return (this.str as string).indexOf(needle, from);
    // Within this event's bytes only: a native search of the buffer would run on through the
    // chunk's later events, a cost that grows with the events a read brings.
    const first = needle.charCodeAt(0);
    const last = this.end - needle.length;
    outer: for (let at = this.start + (from > 0 ? from : 0); at <= last; at++) {
      if (buf[at] !== first) continue;
      for (let k = 1; k < needle.length; k++) if (buf[at + k] !== needle.charCodeAt(k)) continue outer;
      return at - this.start;
    }
    return -1;
  }
}
