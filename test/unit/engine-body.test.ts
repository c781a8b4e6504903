import { describe, expect, it } from 'vitest';
import { chunkMessage, chunkRowsFor, decodeWorkMessage, MAX_CHUNKS } from '../../src/core/upload-run';
import { ValidationError } from '../../src/support/errors';
import { SWEEP_BODY, workBody } from '../../src/triggers/engine-body';
import { decodeDelivery } from '../../src/triggers/envelope';

const watch = { bucket: 'hr-uploads', prefix: 'incoming/' };
const headers =
  (values: Record<string, string> = {}) =>
  (name: string) =>
    values[name] ?? null;
const run = '0123456789abcdef0123456789abcdef01234567';

describe('the bodies that drive the upload engine', () => {
  it('decodes a worker and the sweep on a direct invoke, with no dedup key (each is work of its own)', () => {
    // Act
    const worker = decodeDelivery(workBody(run), headers(), watch);
    const sweep = decodeDelivery(SWEEP_BODY, headers(), watch);
    // Assess
    expect(worker).toMatchObject({ via: 'direct', dedupKey: undefined, payload: { kind: 'engine', request: { kind: 'work', run } } });
    expect(sweep).toMatchObject({ via: 'direct', dedupKey: undefined, payload: { kind: 'engine', request: { kind: 'sweep' } } });
  });

  it('is never read from an ONS delivery: there the body is a hire like any other', () => {
    // Act
    const delivery = decodeDelivery(SWEEP_BODY, headers({ 'X-OCI-NS-MessageId': 'msg-1' }), watch);
    // Assess
    expect(delivery.payload.kind).toBe('hire');
  });

  it('refuses a malformed engine body, naming the field, instead of taking it for a hire', () => {
    // Act
    const refusal = (body: string) => {
      try {
        decodeDelivery(body, headers(), watch);
        return undefined;
      } catch (error) {
        return error;
      }
    };
    // Assess
    for (const body of [
      JSON.stringify({ work: { run: 'x' } }),
      JSON.stringify({ work: { run, extra: 1 } }),
      JSON.stringify({ sweep: 'yes' }),
      JSON.stringify({ sweep: true, work: { run } }),
    ]) {
      const error = refusal(body);
      expect(error, body).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe('INVALID_EVENT');
    }
    expect((refusal(JSON.stringify({ work: { run: 'x' } })) as ValidationError).problems[0]?.path).toBe('work.run');
  });
});

describe('the messages of a run', () => {
  it('round-trips a chunk, the rest of a cut chunk, and the finish; anything else is no work', () => {
    // Act
    const whole = decodeWorkMessage(chunkMessage(run, 1, 3));
    const rest = decodeWorkMessage(chunkMessage(run, 2, 3, 1520));
    const finish = decodeWorkMessage(JSON.stringify({ kind: 'finish', run, round: 1 }));
    // Assess
    expect(whole).toEqual({ kind: 'chunk', run, round: 1, chunk: 3 });
    expect(rest).toEqual({ kind: 'chunk', run, round: 2, chunk: 3, from: 1520 });
    expect(finish).toEqual({ kind: 'finish', run, round: 1 });
    for (const stray of [
      'not json',
      '{}',
      JSON.stringify({ kind: 'chunk', run, round: 1, chunk: -1 }),
      JSON.stringify({ kind: 'finish', run, round: 1, x: 1 }),
    ])
      expect(decodeWorkMessage(stray), stray).toBeUndefined();
  });

  it('cuts a file into chunks of the configured size, or larger when that would make more than MAX_CHUNKS', () => {
    // Assess
    expect(chunkRowsFor(10_000, 500)).toBe(500);
    expect(chunkRowsFor(200_000, 500)).toBe(200_000 / MAX_CHUNKS);
    expect(Math.ceil(200_001 / chunkRowsFor(200_001, 500))).toBeLessThanOrEqual(MAX_CHUNKS);
  });
});
