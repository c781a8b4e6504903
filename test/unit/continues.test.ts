import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/support/errors';
import { decodeDelivery } from '../../src/triggers/envelope';
import { readFixture } from '../helpers';

const watch = { bucket: 'hr-uploads', prefix: 'incoming/' };
const headers =
  (values: Record<string, string> = {}) =>
  (name: string) =>
    values[name] ?? null;
/** The Events envelope of an object written, as a continuation sends it on: with `continues`. */
const continuation = (continues: unknown) =>
  JSON.stringify({ ...JSON.parse(readFixture('envelopes', 'oci-event-createobject.json')), continues });
const md5 = 'XrY7u+Ae7tCTyyK7j1rNww==';

describe('a continuation of an upload run', () => {
  it('names the run it continues by content on a direct invoke (a detached call of the function to itself)', () => {
    // Act: an ETag from an earlier version of the body is accepted and dropped.
    const delivery = decodeDelivery(continuation({ md5, etag: 'e1' }), headers(), watch);
    // Assess
    expect(delivery.payload).toMatchObject({ kind: 'object', continues: { md5 } });
    expect(delivery.payload).not.toHaveProperty('continues.etag');
  });

  it('is not honoured on an ONS delivery', () => {
    // Act
    const ons = headers({ 'X-OCI-NS-MessageId': 'msg-1' });
    const delivery = decodeDelivery(continuation({ md5 }), ons, watch);
    // Assess
    expect(delivery.payload.kind).toBe('object');
    expect(delivery.payload).not.toHaveProperty('continues');
  });

  it('is refused when unbounded or malformed, naming the field', () => {
    for (const bad of [{ md5: 'x'.repeat(65) }, { md5, etag: 'e'.repeat(129) }, { md5: 7 }, 'md5', { md5, extra: 1 }]) {
      // Act
      let caught: unknown;
      try {
        decodeDelivery(continuation(bad), headers(), watch);
      } catch (error) {
        caught = error;
      }
      // Assess
      expect(caught).toBeInstanceOf(ValidationError);
      expect(JSON.stringify((caught as ValidationError).problems)).toContain('continues');
    }
  });
});
