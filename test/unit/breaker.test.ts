import { describe, expect, it } from 'vitest';
import { breakerDecision, breakerLimit, parseApproval } from '../../src/core/breaker';

const DEFAULTS = { maxUsers: 10, maxShare: 0.1 };
const ids = (n: number) => Array.from({ length: n }, (_, i) => `E${String(i + 1).padStart(4, '0')}`);

describe('the breaker against mass changes', () => {
  it('allows the smaller of the number and the share, never less than one user', () => {
    expect(breakerLimit(5, DEFAULTS)).toBe(1);
    expect(breakerLimit(40, DEFAULTS)).toBe(4);
    expect(breakerLimit(5000, DEFAULTS)).toBe(10);
  });

  it('lets a run within the limit go ahead', () => {
    expect(breakerDecision('run-1', ids(4), 40, DEFAULTS, undefined)).toMatchObject({ held: false, count: 4, limit: 4 });
  });

  it('holds a run over the limit, with the count and a sample, until that run is approved', () => {
    // Act
    const held = breakerDecision('run-1', ids(25), 1000, DEFAULTS, undefined);
    const approvedOther = breakerDecision('run-1', ids(25), 1000, DEFAULTS, { runId: 'run-0', users: 25 });
    const approved = breakerDecision('run-1', ids(25), 1000, DEFAULTS, { runId: 'run-1', users: 25, approvedBy: 'ops@example.com' });
    // Assess
    expect(held).toMatchObject({ held: true, count: 25, limit: 10, managed: 1000, runId: 'run-1' });
    expect(held.sample).toEqual(ids(10));
    expect(held.reason).toBe(
      '25 of 1000 managed users would be disabled or deleted, over the limit of 10: held until an administrator approves run run-1',
    );
    expect(approvedOther.held).toBe(true);
    expect(approved).toMatchObject({ held: false, reason: '25 users leave, over the limit of 10: approved by ops@example.com' });
  });

  it('holds again when the run grew past what the approval names', () => {
    const grown = breakerDecision('run-1', ids(30), 1000, DEFAULTS, { runId: 'run-1', users: 25 });
    expect(grown.held).toBe(true);
    expect(grown.reason).toMatch(/\(the approval allows 25\)/);
  });

  it('trusts an approval only in exactly its documented shape', () => {
    expect(parseApproval({ runId: 'run-1', users: 25, approvedBy: 'ops@example.com' })).toEqual({
      approval: { runId: 'run-1', users: 25, approvedBy: 'ops@example.com' },
    });
    const wrong = [
      { runId: 'run-1', users: '25' },
      { runId: 'run-1', user: 25 },
      { users: 25 },
      { runId: 'run-1', users: -1 },
      'yes',
      null,
    ];
    for (const value of wrong) expect(parseApproval(value)).toMatchObject({ problem: expect.stringMatching(/^the approval is not valid/) });
    expect(parseApproval({ runId: 'run-1', user: 25 })).toMatchObject({ problem: expect.stringContaining('users: Required') });
  });
});
