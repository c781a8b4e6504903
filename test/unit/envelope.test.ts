import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/support/errors';
import { decodeDelivery } from '../../src/triggers/envelope';
import { readFixture } from '../helpers';

const watch = { bucket: 'hr-uploads', prefix: 'incoming/' };
const headers =
  (values: Record<string, string> = {}) =>
  (name: string) =>
    values[name] ?? null;

describe('decodeDelivery', () => {
  it('reads a direct hire, and a batch as an array or {hires}', () => {
    expect(decodeDelivery(readFixture('events', 'new-hire.json'), headers(), watch)).toMatchObject({
      via: 'direct',
      dedupKey: undefined,
      payload: { kind: 'hire' },
    });
    expect(decodeDelivery(readFixture('envelopes', 'batch.json'), headers(), watch).payload).toMatchObject({
      kind: 'batch',
      rows: { length: 3 },
    });
    expect(decodeDelivery('{"hires":[{}]}', headers(), watch).payload).toMatchObject({ kind: 'batch', rows: [{}] });
  });

  it('reads OCI object create and update events for the watched bucket and prefix, keyed by event id', () => {
    for (const fixture of ['oci-event-createobject.json', 'oci-event-updateobject.json']) {
      const delivery = decodeDelivery(readFixture('envelopes', fixture), headers(), watch);
      expect(delivery.payload).toEqual({
        kind: 'object',
        namespace: 'NAMESPACE',
        bucket: 'hr-uploads',
        name: 'incoming/new-hires-2026-11-22.csv',
        eventType: expect.stringMatching(/object$/),
      });
      expect(delivery.dedupKey).toMatch(/^event:/);
    }
  });

  it('acknowledges and ignores other events, other buckets, other prefixes and its own reports', () => {
    const event = JSON.parse(readFixture('envelopes', 'oci-event-createobject.json'));
    expect(decodeDelivery(readFixture('envelopes', 'oci-event-deleteobject.json'), headers(), watch).payload).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/deleteobject is not/),
    });
    expect(decodeDelivery(JSON.stringify(event), headers(), { bucket: 'other', prefix: '' }).payload).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/not the onboarding bucket/),
    });
    expect(decodeDelivery(JSON.stringify(event), headers(), { bucket: undefined, prefix: 'uploads/' }).payload).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/outside the prefix/),
    });
    event.data.resourceName = 'incoming/new-hires-2026-11-22.csv.report.json';
    expect(decodeDelivery(JSON.stringify(event), headers(), watch).payload).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/written by this function/),
    });
  });

  it('recognises ONS deliveries by their headers, keyed by message id, whatever they carry', () => {
    const ons = headers({ 'X-OCI-NS-MessageId': 'msg-1', 'X-OCI-NS-TopicOcid': 'ocid1.onstopic.oc1..t' });
    expect(decodeDelivery(readFixture('events', 'new-hire.json'), ons, watch)).toMatchObject({
      via: 'notifications',
      dedupKey: 'ons:msg-1',
      payload: { kind: 'hire' },
    });
    expect(decodeDelivery(readFixture('envelopes', 'oci-event-createobject.json'), ons, watch)).toMatchObject({
      via: 'notifications',
      dedupKey: 'ons:msg-1',
      payload: { kind: 'object' },
    });
  });

  it('recognises API Gateway requests', () => {
    expect(decodeDelivery(readFixture('events', 'new-hire.json'), headers({ 'Fn-Intent': 'httprequest' }), watch).via).toBe('api-gateway');
  });

  it('refuses what it does not accept, saying what it does', () => {
    expect(() => decodeDelivery('42', headers(), watch)).toThrow(
      expect.objectContaining({
        code: 'UNSUPPORTED_TRIGGER',
        problems: [expect.objectContaining({ message: expect.stringMatching(/OCI Events/) })],
      }),
    );
    expect(() => decodeDelivery('', headers(), watch)).toThrow(ValidationError);
    expect(() =>
      decodeDelivery('{"eventType":"com.oraclecloud.objectstorage.createobject","cloudEventsVersion":"0.1","data":{}}', headers(), watch),
    ).toThrow(/object event is not valid/);
  });
});
