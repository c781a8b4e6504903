import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ReadRow, readHires } from '../../src/core/hires-file';
import { parseNewHire } from '../../src/core/new-hire';
import { OnboardingError } from '../../src/support/errors';
import { SecretValue } from '../../src/support/secret';
import { decodeBody } from '../../src/triggers/body';
import { decodeDelivery } from '../../src/triggers/envelope';
import { signWebhook, verifyWebhook } from '../../src/triggers/webhook';
import { fixturePath } from '../helpers';

/** mulberry32: a small seeded generator, so a failure names the seed and the case that reproduce it. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 20261201;
const fixture = (...parts: string[]) => readFileSync(fixturePath(...parts));
const EVENTS = [
  fixture('events', 'new-hire.json'),
  fixture('events', 'new-hire-minimal.json'),
  fixture('events', 'new-hire-invalid.json'),
  fixture('envelopes', 'batch.json'),
  fixture('envelopes', 'oci-event-createobject.json'),
  fixture('envelopes', 'oci-event-updateobject.json'),
  fixture('envelopes', 'oci-event-deleteobject.json'),
];
const FILES = {
  csv: fixture('uploads', 'hires.csv'),
  ndjson: fixture('uploads', 'hires.ndjson'),
  json: fixture('envelopes', 'batch.json'),
} as const;
/** Bytes that break things: invalid UTF-8, half characters, structure. */
const NASTY = [
  [0xff],
  [0xc3, 0x28],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf0, 0x9f],
  [0xe6],
  [0x22],
  [0x2c],
  [0x0a],
  [0x0d],
  [0x5b],
  [0x7b],
  [0x5c],
  [0x00],
];

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const int = (rand: Rand, max: number) => Math.floor(rand() * max);

/** One mutation of real bytes: flips, truncation, splicing, insertions of nasty bytes, huge repeats, deep nesting. */
function mutate(rand: Rand, input: Buffer, others: readonly Buffer[]): Buffer {
  let bytes = Buffer.from(input);
  const rounds = 1 + int(rand, 3);
  for (let r = 0; r < rounds; r += 1) {
    const at = int(rand, bytes.length + 1);
    switch (int(rand, 7)) {
      case 0: // byte flips
        for (let k = 0; k < 1 + int(rand, 4) && bytes.length > 0; k += 1) bytes[int(rand, bytes.length)] = int(rand, 256);
        break;
      case 1: // truncation
        bytes = bytes.subarray(0, at);
        break;
      case 2: {
        // splicing a piece of another input
        const other = pick(rand, others);
        const from = int(rand, other.length);
        bytes = Buffer.concat([bytes.subarray(0, at), other.subarray(from, from + int(rand, 200)), bytes.subarray(at)]);
        break;
      }
      case 3: // nasty bytes
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(pick(rand, NASTY)), bytes.subarray(at)]);
        break;
      case 4: {
        // a huge repeat of a slice
        const slice = bytes.subarray(at, at + 1 + int(rand, 40));
        const times = 100 + int(rand, 3000);
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.alloc(slice.length * times, slice), bytes.subarray(at)]);
        break;
      }
      case 5: {
        // deep nesting
        const depth = 1000 + int(rand, 50_000);
        const [open, close] = rand() < 0.5 ? ['[', ']'] : ['{"a":', '}'];
        bytes = Buffer.concat([Buffer.from(open.repeat(depth)), bytes, Buffer.from(close.repeat(rand() < 0.5 ? depth : int(rand, depth)))]);
        break;
      }
      default: // a duplicated region
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(int(rand, bytes.length)), bytes.subarray(at)]);
    }
  }
  return bytes;
}

/** Whether the input itself holds U+FFFD (encoded or escaped): only then may accepted text hold it. */
const holdsReplacement = (bytes: Buffer) => bytes.includes(Buffer.from([0xef, 0xbf, 0xbd])) || /\\ufffd/i.test(bytes.toString('latin1'));

/** Random chunkings: 1 to 7 bytes for small inputs (every character split somewhere), up to 70 KB otherwise. */
async function* pieces(rand: Rand, bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  const small = bytes.length < 8192 && rand() < 0.7;
  for (let at = 0; at < bytes.length; ) {
    const size = small ? 1 + int(rand, 7) : 1 + int(rand, 70_000);
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

const headers = (values: Record<string, string>) => (name: string) => values[name] ?? null;
const watch = { bucket: 'hr-uploads', prefix: 'incoming/' };

describe(`seeded fuzz of the decoders (seed ${SEED})`, () => {
  it('events and envelopes: every body is decoded, or refused with a structured error; never U+FFFD in what is accepted', () => {
    const rand = random(SEED);
    let accepted = 0;
    for (let n = 0; n < 1500; n += 1) {
      // Prepare
      const body = mutate(rand, pick(rand, EVENTS), EVENTS);
      const ons: Record<string, string> = rand() < 0.3 ? { 'X-OCI-NS-MessageId': `m-${n}` } : {};
      // Act
      let outcome: unknown;
      try {
        const text = decodeBody(body);
        const delivery = decodeDelivery(text, headers(ons), watch);
        if (delivery.payload.kind === 'hire') parseNewHire(delivery.payload.input);
        outcome = delivery;
        accepted += 1;
      } catch (error) {
        // Assess: only the project's own, structured errors escape
        if (!(error instanceof OnboardingError))
          throw new Error(`case ${n}: ${String(error)} for ${body.subarray(0, 120).toString('latin1')}`);
        expect(error.code, `case ${n}`).toMatch(/^[A-Z_]+$/);
        for (const problem of error.problems) expect(typeof problem.path === 'string' && typeof problem.message === 'string').toBe(true);
        continue;
      }
      if (!holdsReplacement(body)) expect(JSON.stringify(outcome).includes('\uFFFD'), `case ${n}`).toBe(false);
    }
    expect(accepted).toBeGreaterThan(20); // some mutations leave the input acceptable: the accepting path is exercised too
  });

  it('files: every row is read or unreadable with its problems, numbered strictly upwards; nothing throws', async () => {
    const rand = random(SEED + 1);
    const all = Object.values(FILES);
    let rows = 0;
    let unreadable = 0;
    for (let n = 0; n < 600; n += 1) {
      // Prepare
      const format = pick(rand, ['csv', 'ndjson', 'json'] as const);
      const bytes = mutate(rand, FILES[format], all);
      // Act
      const read: ReadRow[] = [];
      for await (const row of readHires(format, pieces(rand, bytes), { maxUnreadableRows: 100 })) read.push(row);
      // Assess
      let last = 0;
      for (const row of read) {
        expect(row.line, `case ${n} (${format})`).toBeGreaterThan(last);
        last = row.line;
        expect(typeof row.label).toBe('string');
        if ('problems' in row) {
          unreadable += 1;
          expect(row.problems.length).toBeGreaterThan(0);
          for (const problem of row.problems) expect(typeof problem.path === 'string' && typeof problem.message === 'string').toBe(true);
        } else {
          rows += 1;
          expect(typeof row.input === 'object' && row.input !== null && !Array.isArray(row.input), `case ${n}`).toBe(true);
          if (!holdsReplacement(bytes)) expect(JSON.stringify(row.input).includes('\uFFFD'), `case ${n} (${format})`).toBe(false);
        }
      }
      expect(read.filter((row) => 'endsFile' in row).length).toBeLessThanOrEqual(1);
      if (read.some((row) => 'endsFile' in row)) expect('endsFile' in (read.at(-1) as ReadRow)).toBe(true);
    }
    expect(rows).toBeGreaterThan(100);
    expect(unreadable).toBeGreaterThan(100);
  });

  it('webhook signatures: only the exact signature of the exact bytes passes', () => {
    const rand = random(SEED + 2);
    const secret = new SecretValue('fuzz-secret');
    const settings = { signatureHeader: 'S', timestampHeader: 'T', toleranceSeconds: 300 };
    const now = 1_800_000_000_000;
    const timestamp = String(now / 1000);
    for (let n = 0; n < 1000; n += 1) {
      const body = mutate(rand, pick(rand, EVENTS), EVENTS).subarray(0, 4096);
      const good = signWebhook('fuzz-secret', timestamp, body);
      const sent = rand() < 0.2 ? good : mutate(rand, Buffer.from(good), [Buffer.from(good)]).toString('latin1');
      let passed = true;
      try {
        verifyWebhook(body, headers({ S: sent, T: timestamp }), secret, settings, now);
      } catch (error) {
        expect(error).toMatchObject({ code: 'UNAUTHENTICATED' });
        passed = false;
      }
      expect(passed, `case ${n}`).toBe(sent === good || sent === `sha256=${good}`);
    }
  });
});
