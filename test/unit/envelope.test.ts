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
    expect(decodeDelivery(readFixture('events', 'new-hire-minimal.json'), headers(), watch)).toMatchObject({
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
        namespace: 'axaxnpcrorw5',
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

  it('keys a direct hire by its eventId, and a webhook by its delivery id header, else by the eventId, so a replay is caught', () => {
    // Prepare
    const hire = readFixture('events', 'new-hire.json');
    const gateway = (extra: Record<string, string> = {}) => headers({ 'Fn-Intent': 'httprequest', ...extra });
    const options = { deliveryIdHeader: 'X-Hr-Delivery-Id' };
    // Act / Assess
    expect(decodeDelivery(hire, headers(), watch)).toMatchObject({
      dedupKey: 'hr-event:hr-2026-11-22-0001',
      eventId: 'hr-2026-11-22-0001',
    });
    expect(decodeDelivery(hire, gateway({ 'Fn-Http-H-X-Hr-Delivery-Id': 'dlv-42' }), watch, options)).toMatchObject({
      via: 'api-gateway',
      dedupKey: 'webhook:dlv-42',
    });
    expect(decodeDelivery(hire, gateway(), watch, options).dedupKey).toBe('hr-event:hr-2026-11-22-0001');
    expect(decodeDelivery(readFixture('envelopes', 'batch.json'), gateway(), watch, options).dedupKey).toBeUndefined();
    expect(() => decodeDelivery(hire, gateway({ 'Fn-Http-H-X-Hr-Delivery-Id': 'has space' }), watch, options)).toThrow(
      expect.objectContaining({ code: 'INVALID_EVENT', message: 'The delivery id is not valid' }),
    );
  });

  it.each([
    [
      'a namespace of ..',
      (e: ObjectEvent) => Object.assign(e.data.additionalDetails, { namespace: '..' }),
      'data.additionalDetails.namespace',
    ],
    [
      'a namespace with a slash',
      (e: ObjectEvent) => Object.assign(e.data.additionalDetails, { namespace: 'ns/b/x' }),
      'data.additionalDetails.namespace',
    ],
    [
      'a bucket of ..',
      (e: ObjectEvent) => Object.assign(e.data.additionalDetails, { bucketName: '..' }),
      'data.additionalDetails.bucketName',
    ],
    [
      'a bucket with a space',
      (e: ObjectEvent) => Object.assign(e.data.additionalDetails, { bucketName: 'hr uploads' }),
      'data.additionalDetails.bucketName',
    ],
    [
      'an object name climbing out',
      (e: ObjectEvent) => Object.assign(e.data, { resourceName: 'incoming/../../secret.csv' }),
      'data.resourceName',
    ],
    [
      'an object name with a line feed',
      (e: ObjectEvent) => Object.assign(e.data, { resourceName: 'incoming/a\nb.csv' }),
      'data.resourceName',
    ],
    ['an object name with NULL', (e: ObjectEvent) => Object.assign(e.data, { resourceName: 'incoming/a\u0000.csv' }), 'data.resourceName'],
    [
      'an object name of 1025 characters',
      (e: ObjectEvent) => Object.assign(e.data, { resourceName: `incoming/${'x'.repeat(1016)}` }),
      'data.resourceName',
    ],
  ])('rejects an object event with %s (INVALID_EVENT, not an OCI failure)', (_label, mutate, path) => {
    // Prepare
    const event = JSON.parse(readFixture('envelopes', 'oci-event-createobject.json')) as ObjectEvent;
    mutate(event);
    // Act / Assess
    expect(() => decodeDelivery(JSON.stringify(event), headers(), watch)).toThrow(
      expect.objectContaining({ code: 'INVALID_EVENT', problems: [expect.objectContaining({ path })] }),
    );
  });

  it('refuses a batch body that is mostly not hires as a whole, and keeps a few stray items for per-row rejection', () => {
    expect(() => decodeDelivery(`[${Array(100_000).fill('0').join(',')}]`, headers(), watch)).toThrow(
      expect.objectContaining({
        code: 'INVALID_EVENT',
        problems: [{ path: '(body)', message: '100000 of its 100000 items are not hire objects' }],
      }),
    );
    expect(decodeDelivery('[{"employeeId":"E1"}, 0, "x"]', headers(), watch).payload).toMatchObject({ kind: 'batch', rows: { length: 3 } });
  });
});

type ObjectEvent = { data: { resourceName: string; additionalDetails: Record<string, string> } };
