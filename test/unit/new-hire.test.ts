import { describe, expect, it } from 'vitest';
import { parseHrEvent, parseNewHire } from '../../src/core/new-hire';
import { ValidationError } from '../../src/support/errors';
import { fixtureJson } from '../helpers';

describe('parseNewHire', () => {
  it('accepts the documented example and freezes it', () => {
    // Prepare
    const input = fixtureJson('events', 'new-hire.json');
    // Act
    const hire = parseNewHire(input);
    // Assess
    expect(hire).toMatchObject({
      employeeId: 'E104233',
      userName: 'ada.lovelace+oci@example.com',
      roles: ['developer', 'auditor'],
      compartment: 'dev',
    });
    expect(Object.isFrozen(hire)).toBe(true);
  });

  it('names every bad field at once, including unknown ones', () => {
    const input = fixtureJson('events', 'new-hire-invalid.json');
    let caught: unknown;
    try {
      parseNewHire(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const error = caught as ValidationError;
    expect(error.code).toBe('INVALID_EVENT');
    const paths = error.problems.map((p) => p.path);
    for (const field of ['employeeId', 'userName', 'email', 'givenName', 'familyName', 'roles', 'startDate', '(root)'])
      expect(paths).toContain(field);
    expect(error.problems.find((p) => p.path === '(root)')?.message).toMatch(/department/);
  });

  it.each([
    ['a JSON array', []],
    ['null', null],
    ['a string', 'hello'],
  ])('rejects %s', (_label, input) => {
    expect(() => parseNewHire(input)).toThrow(ValidationError);
  });

  it('rejects repeated roles and names no directory takes', () => {
    const base = fixtureJson('events', 'new-hire-minimal.json');
    expect(() => parseNewHire({ ...base, roles: ['auditor', 'auditor'] })).toThrow(/not valid/);
    expect(() => parseNewHire({ ...base, userName: 'x'.repeat(101) })).toThrow(ValidationError);
    expect(() => parseNewHire({ ...base, userName: 'two words' })).toThrow(ValidationError);
    // Quotes are for the directory to judge: an identity domain takes them, classic IAM does not.
    expect(parseNewHire({ ...base, userName: `o'brien"x@example.com` }).userName).toBe(`o'brien"x@example.com`);
    expect(parseNewHire({ ...base, userName: 'a+b@x.com' }).userName).toBe('a+b@x.com');
  });
});

describe('parseHrEvent', () => {
  it('suggests the known field for a misspelt one, on hires and leavers alike', () => {
    // Prepare
    const hire = { ...fixtureJson('events', 'new-hire.json'), role: ['developer'] };
    delete (hire as Record<string, unknown>).roles;
    const leaver = { type: 'leaver', employeeId: 'E1', effectivDate: '2026-12-31' };
    // Act
    const problems = (input: unknown) => {
      try {
        parseHrEvent(input);
      } catch (error) {
        return (error as ValidationError).problems;
      }
      return [];
    };
    // Assess
    expect(problems(hire)).toContainEqual({ path: '(root)', message: 'unknown field "role"; did you mean "roles"?' });
    expect(problems(leaver)).toContainEqual({ path: '(root)', message: 'unknown field "effectivDate"; did you mean "effectiveDate"?' });
    expect(problems({ ...fixtureJson('events', 'new-hire.json'), favouriteColour: 'x' })[0]?.message).toMatch(
      /unknown field "favouriteColour"; known fields: .*roles/,
    );
  });

  it('reads a leaver event, and a hire with or without its type', () => {
    expect(parseHrEvent({ type: 'leaver', employeeId: 'E1', effectiveDate: '2026-12-31', reason: 'resigned' })).toEqual({
      kind: 'leaver',
      leaver: { type: 'leaver', employeeId: 'E1', effectiveDate: '2026-12-31', reason: 'resigned' },
    });
    expect(parseHrEvent({ ...fixtureJson('events', 'new-hire.json'), type: 'hire' }).kind).toBe('hire');
    expect(() => parseHrEvent({ type: 'leaver', employeeId: 'E1' })).toThrow(ValidationError);
  });
});

describe('text that is not well-formed Unicode', () => {
  const problemsOf = (input: unknown) => {
    try {
      parseHrEvent(input);
    } catch (error) {
      return (error as ValidationError).problems;
    }
    return [];
  };

  it.each([
    ['userName', 'ada\ud800@example.com'],
    ['givenName', 'Ad\udfffa'],
    ['familyName', '\ud83dLovelace'],
  ])('refuses a lone surrogate in %s, a field the u patterns took it in, naming the field once', (field, value) => {
    // Prepare: the JSON escape "\ud800" parses to a lone surrogate.
    const input = JSON.parse(JSON.stringify({ ...fixtureJson('events', 'new-hire.json'), [field]: value }));
    // Act
    const problems = problemsOf(input);
    // Assess
    expect(problems).toEqual([{ path: field, message: expect.stringMatching(/lone surrogate/) }]);
  });

  it('refuses one in any other field, a role, a leaver reason and a field name, and keeps the other problems', () => {
    // Prepare
    const hire = { ...fixtureJson('events', 'new-hire.json'), roles: ['developer', 'x\ud800'], email: 'nope' };
    const leaver = { type: 'leaver', employeeId: 'E1', effectiveDate: '2026-12-31', reason: 'moved \udc00 on' };
    // Act
    const hireProblems = problemsOf(hire);
    const leaverProblems = problemsOf(leaver);
    const keyProblems = problemsOf({ ...fixtureJson('events', 'new-hire.json'), 'x\ud800': 1 });
    // Assess
    expect(hireProblems).toContainEqual({ path: 'roles.1', message: expect.stringMatching(/lone surrogate/) });
    expect(hireProblems.filter((p) => p.path === 'roles.1')).toHaveLength(1);
    expect(hireProblems.map((p) => p.path)).toContain('email');
    expect(leaverProblems).toEqual([{ path: 'reason', message: expect.stringMatching(/lone surrogate/) }]);
    expect(keyProblems).toContainEqual({ path: '(root)', message: expect.stringMatching(/field name holds a lone surrogate/) });
  });

  it('takes characters outside the BMP, whose surrogates come in pairs', () => {
    const hire = parseNewHire({ ...fixtureJson('events', 'new-hire.json'), givenName: 'Ada 😀', familyName: '𝔏ovelace' });
    expect(hire.givenName).toBe('Ada 😀');
  });
});

describe('occurredAt', () => {
  const base = () => fixtureJson('events', 'new-hire.json') as Record<string, unknown>;
  const problemsOf = (input: unknown) => {
    try {
      parseHrEvent(input);
      return [];
    } catch (error) {
      return (error as ValidationError).problems.map((p) => `${p.path}: ${p.message}`);
    }
  };

  it('takes a time with an offset and keeps it in UTC, for a hire and a leaver', () => {
    const hire = parseHrEvent({ ...base(), occurredAt: '2026-12-01T10:30:00+01:00' });
    const leaver = parseHrEvent({ type: 'leaver', employeeId: 'E1', effectiveDate: '2026-12-01', occurredAt: '2026-12-01T09:30:00Z' });
    expect(hire.kind === 'hire' && hire.hire.occurredAt).toBe('2026-12-01T09:30:00.000Z');
    expect(leaver.kind === 'leaver' && leaver.leaver.occurredAt).toBe('2026-12-01T09:30:00.000Z');
  });

  it.each([
    ['2026-12-01T09:30:00', 'ISO 8601 with an offset'],
    ['2026-12-01', 'ISO 8601 with an offset'],
    ['yesterday', 'ISO 8601 with an offset'],
    ['2026-13-01T09:30:00Z', 'ISO 8601 with an offset'],
    ['9999-12-31T00:00:00Z', 'must not be in the future'],
  ])('refuses %s', (occurredAt, message) => {
    expect(problemsOf({ ...base(), occurredAt })).toEqual([expect.stringMatching(new RegExp(`^occurredAt: .*${message}`))]);
  });

  it('judges the future by the clock it is given, allowing ten minutes of skew', () => {
    // Prepare: an event stamped 09:30 UTC.
    const event = { ...base(), occurredAt: '2026-12-01T09:30:00Z' };
    const at = (time: string) => Date.parse(time);
    // Act, Assess: at 09:19 it is ahead of the clock by more than the skew; at 09:20 it is within it.
    expect(() => parseHrEvent(event, at('2026-12-01T09:19:59Z'))).toThrow(ValidationError);
    expect(() => parseHrEvent(event, at('2026-12-01T09:20:00Z'))).not.toThrow();
  });
});
