/**
 * Asks V8 for a full collection, when the process runs with `--expose-gc` (the deployed flags do:
 * scripts/fn-entry.sh); a no-op otherwise.
 *
 * Bytes read from or written to the network are ArrayBuffers outside V8's heap. V8 frees them only
 * at a collection, and external memory alone starts one late (after tens of MB): finishing a
 * 100,000-row upload streams its report (about 13 MB) twice, and its peak RSS rose by 12 to 18 MB of
 * buffers already dead (figures: docs/performance.md, `npm run bench`, finishing a settled upload).
 * Called after each MiB-sized piece is streamed, never per row: a collection of this small heap
 * takes a few milliseconds.
 */
export function releaseBuffers(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
