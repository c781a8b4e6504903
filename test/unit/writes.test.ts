import { describe, expect, it } from 'vitest';
import type { StepResult } from '../../src/core/result';
import { mergeShared } from '../../src/core/upload-run';
import { writesOf } from '../../src/core/writes';

const user = (outcome: StepResult['outcome'], action: StepResult['action'] = 'create'): StepResult => ({
  step: 'user',
  target: 'ada@example.com',
  action,
  outcome,
});
const password = (outcome: StepResult['outcome']): StepResult => ({
  step: 'console-password',
  target: 'ada@example.com',
  action: 'create',
  outcome,
});

describe('the writes a row stands for', () => {
  it('counts every step that created, updated, added or removed something, of any kind, and nothing else', () => {
    // Prepare: one step of each outcome, including kinds the report has no special case for.
    const steps: StepResult[] = [
      user('updated', 'update'),
      { step: 'sign-in', target: 'ada@example.com', action: 'update', outcome: 'updated', changes: ['enabled'] },
      { step: 'membership', target: 'auditors', action: 'add', outcome: 'added' },
      { step: 'membership', target: 'old', action: 'remove', outcome: 'removed' },
      { step: 'credential', target: 'api-key ab:cd', action: 'remove', outcome: 'removed' },
      { step: 'membership', target: 'developers', action: 'add', outcome: 'unchanged' },
      { step: 'membership', target: 'x', action: 'add', outcome: 'failed' },
      { step: 'membership', target: 'y', action: 'add', outcome: 'skipped' },
      { step: 'user', target: 'ada@example.com', action: 'remove', outcome: 'held' },
    ];
    // Act
    const writes = writesOf(steps);
    // Assess
    expect(writes).toEqual([
      'updated user ada@example.com',
      'updated sign-in ada@example.com (enabled)',
      'added membership auditors',
      'removed membership old',
      'removed credential api-key ab:cd',
    ]);
  });

  it('names a console password set at creation with its CreateUser (one request), and counts one set on an existing user', () => {
    // Act
    const atCreation = writesOf([user('created'), password('created')]);
    const onExisting = writesOf([user('unchanged', 'none'), password('created')]);
    // Assess
    expect(atCreation).toEqual(['created user ada@example.com with its console password']);
    expect(onExisting).toEqual(['created console-password ada@example.com']);
  });
});

describe('the shared steps of an upload', () => {
  it('keeps every group and policy write once, across chunk records that repeat them, and a failure only while it stands', () => {
    // Prepare: two chunks worked by one invocation (the same steps twice), then another invocation.
    const created: StepResult = { step: 'group', target: 'auditors', action: 'create', outcome: 'created', ocid: 'ocid1.group..a' };
    const policy: StepResult = { step: 'policy', target: 'auditors', action: 'create', outcome: 'created', ocid: 'ocid1.policy..a' };
    const failedPolicy: StepResult = { ...policy, outcome: 'failed', reason: '503' };
    const records = [
      { shared: [created, failedPolicy] },
      { shared: [created, failedPolicy] },
      { shared: [{ ...created, outcome: 'unchanged' as const }] },
    ];
    // Act
    const standing = mergeShared(records);
    const later = mergeShared([...records, { shared: [policy, { ...policy, outcome: 'unchanged' as const }] }]);
    // Assess
    expect(standing).toEqual([created, failedPolicy]);
    expect(later).toEqual([created, policy]);
  });
});
