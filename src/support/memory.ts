/**
 * The process's memory in MB, one decimal: what a call's last log line says, so that a warm container's
 * growth from call to call shows in OCI Logging (the function's memory limit kills it without a word).
 * `rss` is what the limit counts; `heapUsed` is V8's live and not yet collected objects; `external` and
 * `arrayBuffers` are bytes outside V8's heap (network buffers), freed only at a collection.
 */
export function memoryFigures(): { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number } {
  const usage = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 104_857.6) / 10;
  return {
    rss: mb(usage.rss),
    heapUsed: mb(usage.heapUsed),
    heapTotal: mb(usage.heapTotal),
    external: mb(usage.external),
    arrayBuffers: mb(usage.arrayBuffers),
  };
}
