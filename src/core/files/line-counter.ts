const CR = 0x0d;
const LF = 0x0a;

/**
 * Tells the 1-based line of a byte offset in bytes fed in order, counting CRLF, LF and a lone CR as
 * one line break each (as editors do). It keeps only the breaks past the last offset asked about, so
 * its memory is bounded by one chunk, not by the file.
 */
export class LineCounter {
  private fed = 0;
  /** Offsets just after each break not yet passed by a question. */
  private breaks: number[] = [];
  private head = 0;
  private passed = 0;
  /** A CR that ended the last chunk: a break whose length (CR or CRLF) the next chunk decides. */
  private pendingCr = -1;

  feed(chunk: Uint8Array): void {
    const base = this.fed;
    let i = 0;
    if (this.pendingCr >= 0) {
      this.breaks.push(chunk[0] === LF ? base + 1 : this.pendingCr + 1);
      if (chunk[0] === LF) i = 1;
      this.pendingCr = -1;
    }
    for (; i < chunk.length; i += 1) {
      const byte = chunk[i];
      if (byte === LF) this.breaks.push(base + i + 1);
      else if (byte === CR) {
        if (i + 1 === chunk.length) this.pendingCr = base + i;
        else if (chunk[i + 1] === LF) {
          this.breaks.push(base + i + 2);
          i += 1;
        } else this.breaks.push(base + i + 1);
      }
    }
    this.fed += chunk.length;
  }

  /** No more bytes: a CR at the very end is a break of its own. */
  finish(): void {
    if (this.pendingCr >= 0) this.breaks.push(this.pendingCr + 1);
    this.pendingCr = -1;
  }

  /** The line the byte at `offset` is on. Offsets asked about should not decrease. */
  lineAt(offset: number): number {
    while (this.head < this.breaks.length && (this.breaks[this.head] as number) <= offset) {
      this.head += 1;
      this.passed += 1;
    }
    if (this.head > 4096) {
      this.breaks = this.breaks.slice(this.head);
      this.head = 0;
    }
    const crBefore = this.pendingCr >= 0 && this.pendingCr < offset ? 1 : 0;
    return this.passed + crBefore + 1;
  }
}

/** Line breaks (CRLF, LF, lone CR) inside some bytes, e.g. a quoted CSV field. */
export function countBreaks(bytes: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    if (bytes[i] === LF) count += 1;
    else if (bytes[i] === CR) {
      count += 1;
      if (bytes[i + 1] === LF) i += 1;
    }
  }
  return count;
}
