import { describe, expect, it } from 'vitest';
import { SecretValue } from '../../src/support/secret';
import { signWebhook, verifyWebhook } from '../../src/triggers/webhook';

const secret = new SecretValue('shared-secret');
const settings = { signatureHeader: 'X-Hr-Signature', timestampHeader: 'X-Hr-Timestamp', toleranceSeconds: 300 };
const now = Date.parse('2026-11-22T12:00:00Z');
const ts = String(now / 1000);
const body = '{"employeeId":"E1"}';
const headers = (values: Record<string, string>) => (name: string) => values[name] ?? null;
const good = signWebhook('shared-secret', ts, body);
const base64 = Buffer.from(good, 'hex').toString('base64');
/** The same 32 bytes, with the unused low bits of the last base64 character set: decoders accept it, a strict check must not. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const nonCanonicalBase64 = `${base64.slice(0, 42)}${ALPHABET[ALPHABET.indexOf(base64.charAt(42)) ^ 1]}=`;

describe('verifyWebhook', () => {
  it('accepts an HMAC of timestamp and body, with or without a sha256= prefix', () => {
    const signature = signWebhook('shared-secret', ts, body);
    expect(() => verifyWebhook(body, headers({ 'X-Hr-Signature': signature, 'X-Hr-Timestamp': ts }), secret, settings, now)).not.toThrow();
    expect(() =>
      verifyWebhook(body, headers({ 'X-Hr-Signature': `sha256=${signature}`, 'X-Hr-Timestamp': ts }), secret, settings, now),
    ).not.toThrow();
  });

  it('accepts the same HMAC in canonical base64, and signs the exact bytes of the body', () => {
    expect(Buffer.from(nonCanonicalBase64, 'base64')).toEqual(Buffer.from(base64, 'base64')); // what a lax decoder would accept
    expect(() => verifyWebhook(body, headers({ 'X-Hr-Signature': base64, 'X-Hr-Timestamp': ts }), secret, settings, now)).not.toThrow();
    const raw = Buffer.from('{"givenName":"明"}');
    const signature = signWebhook('shared-secret', ts, raw);
    expect(() => verifyWebhook(raw, headers({ 'X-Hr-Signature': signature, 'X-Hr-Timestamp': ts }), secret, settings, now)).not.toThrow();
  });

  it.each([
    ['unsigned', {}, /are required/],
    ['forged', { 'X-Hr-Signature': signWebhook('other', ts, body), 'X-Hr-Timestamp': ts }, /does not match/],
    ['a changed body', { 'X-Hr-Signature': signWebhook('shared-secret', ts, '{}'), 'X-Hr-Timestamp': ts }, /does not match/],
    [
      'stale',
      { 'X-Hr-Signature': signWebhook('shared-secret', String(now / 1000 - 301), body), 'X-Hr-Timestamp': String(now / 1000 - 301) },
      /stale/,
    ],
    ['not hex', { 'X-Hr-Signature': 'zz', 'X-Hr-Timestamp': ts }, /not 64 lower-case hex/],
    ['a valid signature with trailing garbage', { 'X-Hr-Signature': `${good}zz`, 'X-Hr-Timestamp': ts }, /not 64 lower-case hex/],
    ['a valid signature and half a byte more', { 'X-Hr-Signature': `${good}a`, 'X-Hr-Timestamp': ts }, /not 64 lower-case hex/],
    ['a valid signature in upper case', { 'X-Hr-Signature': good.toUpperCase(), 'X-Hr-Timestamp': ts }, /not 64 lower-case hex/],
    [
      'a valid signature with a space inside',
      { 'X-Hr-Signature': `${good.slice(0, 32)} ${good.slice(32)}`, 'X-Hr-Timestamp': ts },
      /not 64/,
    ],
    ['a truncated signature', { 'X-Hr-Signature': good.slice(0, 62), 'X-Hr-Timestamp': ts }, /not 64/],
    ['a non-canonical base64 signature', { 'X-Hr-Signature': nonCanonicalBase64, 'X-Hr-Timestamp': ts }, /not 64/],
    ['an upper-case prefix', { 'X-Hr-Signature': `SHA256=${good}`, 'X-Hr-Timestamp': ts }, /not 64/],
    [
      'a timestamp in another notation',
      { 'X-Hr-Signature': signWebhook('shared-secret', '1.7e9', body), 'X-Hr-Timestamp': '1.7e9' },
      /malformed/,
    ],
  ])('refuses %s', (_label, values, message) => {
    expect(() => verifyWebhook(body, headers(values as Record<string, string>), secret, settings, now)).toThrow(
      expect.objectContaining({ code: 'UNAUTHENTICATED', message: expect.stringMatching(message) }),
    );
  });
});
