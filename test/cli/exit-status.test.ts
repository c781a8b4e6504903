import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/exit-status';

const batch = (status: string, counts: Record<string, number>) => ({ kind: 'batch', status, report: { counts } });

describe('invoke exit codes per result status', () => {
  it('is 0 only for success', () => {
    expect(exitCodeFor(200, { status: 'succeeded' })).toBe(0);
    expect(exitCodeFor(200, { status: 'dry-run' })).toBe(0);
    expect(exitCodeFor(200, batch('complete', { succeeded: 3, rejected: 0, failed: 0, unreadable: 0 }))).toBe(0);
  });

  it('tells failed, rejected, partial and nothing-done apart', () => {
    expect(exitCodeFor(200, { status: 'failed' })).toBe(1);
    expect(exitCodeFor(200, batch('failed', { succeeded: 2, failed: 1 }))).toBe(1);
    expect(exitCodeFor(200, { status: 'rejected' })).toBe(3);
    expect(exitCodeFor(200, batch('complete', { succeeded: 2, rejected: 1, failed: 0, unreadable: 0 }))).toBe(3);
    expect(exitCodeFor(200, batch('complete', { succeeded: 2, rejected: 0, failed: 0, unreadable: 1 }))).toBe(3);
    expect(exitCodeFor(200, batch('partial', { succeeded: 2, notStarted: 5 }))).toBe(4);
    expect(exitCodeFor(200, batch('held', { succeeded: 2 }))).toBe(4);
    expect(exitCodeFor(200, batch('running', { succeeded: 2 }))).toBe(4);
    expect(exitCodeFor(200, { kind: 'notice', status: 'ignored' })).toBe(5);
    expect(exitCodeFor(200, { kind: 'notice', status: 'duplicate' })).toBe(5);
  });

  it('is 1 when no result came back', () => {
    expect(exitCodeFor(502, { message: 'Exception in function' })).toBe(1);
    expect(exitCodeFor(200, 'not json')).toBe(1);
    expect(exitCodeFor(200, { status: 'something new' })).toBe(1);
  });
});
