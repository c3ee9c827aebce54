// Many short texts (request bodies as compact JSON) in one Buffer with an offset table.
// An array of 100,000 parsed bodies costs a V8 object graph per body (hundreds of bytes of
// headers, maps and pointers before any content); a JS string per body still costs a
// header and, for non-Latin-1 text, two bytes per character. One UTF-8 Buffer costs the
// bytes plus 4 per text, lives outside the JS heap (no GC scanning), and hands the driver
// the bytes it sends without an encode per request (bench/dataset.bench.ts measures it).

/** Append-only builder; `finish()` returns the read-only store. */
export class PackedTextsBuilder {
  private bytes: Buffer;
  private used = 0;
  private ends: Uint32Array;
  private count = 0;

  constructor(expectedBytes = 64 * 1024, expectedCount = 1024) {
    this.bytes = Buffer.allocUnsafe(Math.max(1024, expectedBytes));
    this.ends = new Uint32Array(Math.max(16, expectedCount));
  }

  add(text: string): void {
    // Room for the worst case (3 bytes per UTF-16 unit) so write() never truncates.
    const worst = text.length * 3;
    if (this.used + worst > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + worst));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    this.used += this.bytes.write(text, this.used, 'utf8');
    if (this.count === this.ends.length) {
      const grown = new Uint32Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[this.count++] = this.used;
  }

  get size(): number {
    return this.count;
  }

  /** The store, trimmed to size (one copy here, so no slack is kept for the whole run). */
  finish(): PackedTexts {
    return new PackedTexts(Buffer.from(this.bytes.subarray(0, this.used)), this.ends.slice(0, this.count));
  }
}

export class PackedTexts {
  constructor(
    private readonly bytes: Buffer,
    /** ends[i] is the byte offset just past text i; text i starts at ends[i - 1] (or 0). */
    private readonly ends: Uint32Array,
  ) {}

  get size(): number {
    return this.ends.length;
  }

  /** Bytes of all texts together: the store's memory is this plus 4 per text. */
  get byteLength(): number {
    return this.bytes.length;
  }

  /** Text i as UTF-8 bytes: a view, no copy (do not write to it). */
  bytesAt(i: number): Buffer {
    return this.bytes.subarray(this.start(i), this.end(i));
  }

  /** Text i as a string (decodes: a copy per call). */
  textAt(i: number): string {
    return this.bytes.toString('utf8', this.start(i), this.end(i));
  }

  private start(i: number): number {
    return i === 0 ? 0 : this.end(i - 1);
  }

  private end(i: number): number {
    const e = this.ends[i];
    if (e === undefined || i < 0) throw new RangeError(`text ${i} of ${this.ends.length}`);
    return e;
  }
}
