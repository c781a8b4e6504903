import { describe, expect, it } from 'vitest';
import { listedKeysBuilder } from '../../src/oci/listed-keys';

describe('the keys of a listing', () => {
  it('holds every key it was given, and none of 200,000 others, at 100,000 users', () => {
    // Prepare: a tenancy's employee ids and user names, as the classic listing adds them
    const builder = listedKeysBuilder();
    for (let i = 0; i < 100_000; i += 1) {
      builder.add(`e\nE${i}`);
      builder.add(`n\nperson.${i}@example.com`);
    }
    // Act
    const listed = builder.seal();
    // Assess: no key missed; no new hire, and no employee id passing for a name, taken for a listed key
    let missed = 0;
    for (let i = 0; i < 100_000; i += 1) {
      if (!listed.has(`e\nE${i}`)) missed += 1;
      if (!listed.has(`n\nperson.${i}@example.com`)) missed += 1;
    }
    expect(missed).toBe(0);
    let wrong = 0;
    for (let i = 0; i < 100_000; i += 1) {
      if (listed.has(`e\nN${i}`)) wrong += 1;
      if (listed.has(`n\nnew.hire.${i}@example.com`)) wrong += 1;
    }
    expect(listed.has('n\nE1')).toBe(false);
    expect(wrong).toBe(0);
  });

  it('tells apart keys that differ in one character, and holds the empty listing', () => {
    const builder = listedKeysBuilder();
    builder.add('n\nzoë.ñandú@example.com');
    const listed = builder.seal();
    expect(listed.has('n\nzoë.ñandú@example.com')).toBe(true);
    expect(listed.has('n\nzoe.ñandú@example.com')).toBe(false);
    expect(listedKeysBuilder().seal().has('anything')).toBe(false);
  });
});
