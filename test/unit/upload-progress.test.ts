import { describe, expect, it } from 'vitest';
import { BatchThrottle, isRetryable } from '../../src/core/batch';
import {
  chunkDone,
  chunkRowsFor,
  claimable,
  emptyChunk,
  failedRow,
  failedSummary,
  LineRanges,
  MAX_ROW_ATTEMPTS,
  shouldRetry,
  totals,
} from '../../src/core/upload-progress';
import { ClassicPacer } from '../../src/oci/pacing';

describe('upload progress', () => {
  it('keeps settled lines as a few ranges however many rows settle, out of order and across multi-line rows', () => {
    // Prepare: rows on lines 2..10001, a quoted field makes row 500 span lines 500-501 (the next row starts at 502).
    const lines: number[] = [];
    for (let line = 2; line <= 10_002; line += 1) if (line !== 501) lines.push(line);
    const previous = new Map(lines.map((line, i) => [line, lines[i - 1]]));
    const ranges = new LineRanges();
    // Act: settle in a shuffled order, as concurrent hires do.
    const order = [...lines].sort((a, b) => ((a * 7919) % 104_729) - ((b * 7919) % 104_729));
    for (const line of order) ranges.add(line, previous.get(line));
    // Assess
    expect(ranges.ranges).toEqual([[2, 10_002]]);
    expect(ranges.has(501)).toBe(true);
    expect(ranges.has(10_003)).toBe(false);
  });

  it('leaves a gap for a row that did not settle, so a resume does exactly that row', () => {
    const ranges = new LineRanges();
    for (const line of [2, 3, 5, 6]) ranges.add(line, line - 1);
    expect(ranges.ranges).toEqual([
      [2, 3],
      [5, 6],
    ]);
    expect([2, 3, 4, 5, 6].filter((l) => !ranges.has(l))).toEqual([4]);
  });

  it('cuts a file into at most 64 chunks of at least the configured size', () => {
    expect(chunkRowsFor(1000, 500)).toBe(500);
    expect(chunkRowsFor(100_000, 500)).toBe(1563);
    expect(Math.ceil(100_000 / chunkRowsFor(100_000, 500))).toBeLessThanOrEqual(64);
  });

  it('lets another invocation take a chunk only when it is open and its owner is gone', () => {
    const open = emptyChunk(3, 1);
    expect(claimable(open, 1000)).toBe(true);
    expect(claimable({ ...open, owner: { callId: 'A', until: 2000 } }, 1000)).toBe(false);
    expect(claimable({ ...open, owner: { callId: 'A', until: 2000 } }, 2000)).toBe(true);
    expect(claimable({ ...open, status: 'done' }, 1000)).toBe(false);
  });

  it('retries a row failed for passing reasons a few times, a permanent failure only on a re-delivery', () => {
    // Prepare
    const transient = failedRow(
      {
        line: 9,
        status: 'failed',
        retryable: true,
        steps: [
          {
            step: 'membership',
            target: 'developers-dev',
            action: 'create',
            outcome: 'failed',
            error: { code: 'OCI_REQUEST_FAILED', message: '503', status: 503 },
          },
        ],
        errors: [],
      },
      undefined,
    );
    const conflict = failedRow(
      { line: 10, status: 'failed', steps: [], errors: [{ code: 'USER_NAME_CONFLICT', message: 'taken' }] },
      undefined,
    );
    // Assess
    expect(transient).toMatchObject({ retryable: true, attempts: 1, error: { step: 'membership', target: 'developers-dev' } });
    expect(shouldRetry(transient, false)).toBe(true);
    expect(shouldRetry({ ...transient, attempts: MAX_ROW_ATTEMPTS }, false)).toBe(false);
    expect(shouldRetry(conflict, false)).toBe(false);
    expect(shouldRetry(conflict, true)).toBe(true);
    expect(chunkDone([conflict], true)).toBe(true);
    expect(chunkDone([transient], true)).toBe(false);
    expect(failedSummary([conflict, transient])).toEqual({ failedRows: 2, retryPending: true, failures: [conflict, transient] });
    expect(totals([{ ...emptyChunk(0, 1), counts: { succeeded: 5, rejected: 1, unreadable: 2 }, ...failedSummary([conflict]) }])).toEqual({
      succeeded: 5,
      rejected: 1,
      unreadable: 2,
      failed: 1,
    });
  });

  it('sums up a chunk of 3,000 failed rows in a record of a count and a ten-row sample', () => {
    // Prepare: every row of a large chunk failed for good (a name taken by another employee).
    const rows = Array.from({ length: 3000 }, (_, i) =>
      failedRow({ line: i + 2, status: 'failed', steps: [], errors: [{ code: 'USER_NAME_CONFLICT', message: 'taken' }] }, undefined),
    );
    // Act
    const summary = failedSummary(rows);
    const record = { ...emptyChunk(0, 1), ...summary };
    // Assess: the record does not grow with the failures; the chunk is done (nothing left to retry).
    expect(summary).toMatchObject({ failedRows: 3000, retryPending: false });
    expect(summary.failures.map((f) => f.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(JSON.stringify(record).length).toBeLessThan(3000);
    expect(chunkDone(rows, true)).toBe(true);
    expect(totals([record]).failed).toBe(3000);
  });

  it('calls a row retryable when its failures pass or a shared step it needs failed, not when OCI refused it', () => {
    const error = (status: number) => ({ code: 'OCI_REQUEST_FAILED' as const, message: String(status), status });
    const step = (status: number) => ({
      step: 'user' as const,
      target: 'u',
      action: 'create' as const,
      outcome: 'failed' as const,
      error: error(status),
    });
    expect(isRetryable({ steps: [step(429)], errors: [] })).toBe(true);
    expect(isRetryable({ steps: [step(503)], errors: [] })).toBe(true);
    expect(isRetryable({ steps: [step(400)], errors: [] })).toBe(false);
    expect(
      isRetryable({
        steps: [
          { step: 'membership', target: 'g', action: 'create', outcome: 'skipped', reason: 'skipped: the group step did not complete' },
        ],
        errors: [],
      }),
    ).toBe(true);
  });
});

describe('batch concurrency', () => {
  it('cuts once for a burst of throttled answers, not once per answer, and grows back one per full window', () => {
    // Prepare
    const pacer = new ClassicPacer(1000);
    const throttle = new BatchThrottle(16);
    const throttled = (now: number) => {
      if (pacer.throttled('write', now)) throttle.throttled();
    };
    // Act: eight calls in flight come back throttled together.
    for (let i = 0; i < 8; i += 1) throttled(10_000 + i);
    // Assess
    expect(throttle.limit).toBe(12);
    expect(throttle.cuts).toBe(1);
    for (let i = 0; i < 11; i += 1) throttle.completed();
    expect(throttle.limit).toBe(12);
    throttle.completed();
    expect(throttle.limit).toBe(13);
    throttled(11_500);
    expect(throttle.limit).toBe(9);
  });
});
