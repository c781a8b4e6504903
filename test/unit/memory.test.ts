import { describe, expect, it } from 'vitest';
import { memoryFigures } from '../../src/support/memory';

describe('memoryFigures', () => {
  it("says the process's memory in MB, with the bytes a buffer holds outside V8's heap among them", () => {
    // Prepare: 8 MiB held outside the heap.
    const before = memoryFigures();
    const held = Buffer.alloc(8 * 1024 * 1024, 1);
    // Act
    const after = memoryFigures();
    // Assess
    expect(after.arrayBuffers - before.arrayBuffers).toBeGreaterThanOrEqual(7.9);
    expect(after.rss).toBeGreaterThan(after.heapUsed);
    expect(after.heapTotal).toBeGreaterThanOrEqual(after.heapUsed);
    expect(Object.values(after).every((mb) => Number.isFinite(mb) && mb === Math.round(mb * 10) / 10)).toBe(true);
    expect(held.length).toBe(8 * 1024 * 1024);
  });
});
