import { describe, expect, it } from 'vitest';
import { SecretValue } from '../../src/support/secret';
import { signWebhook, verifyWebhook } from '../../src/triggers/webhook';

const secret = new SecretValue('shared-secret');
const settings = { signatureHeader: 'X-Hr-Signature', timestampHeader: 'X-Hr-Timestamp', toleranceSeconds: 300 };
const now = Date.parse('2026-11-22T12:00:00Z');
const ts = String(now / 1000);
const body = '{"employeeId":"E1"}';
const headers = (values: Record<string, string>) => (name: string) => values[name] ?? null;

describe('verifyWebhook', () => {
  it('accepts an HMAC of timestamp and body, with or without a sha256= prefix', () => {
    const signature = signWebhook('shared-secret', ts, body);
    expect(() => verifyWebhook(body, headers({ 'X-Hr-Signature': signature, 'X-Hr-Timestamp': ts }), secret, settings, now)).not.toThrow();
    expect(() =>
      verifyWebhook(body, headers({ 'X-Hr-Signature': `sha256=${signature}`, 'X-Hr-Timestamp': ts }), secret, settings, now),
    ).not.toThrow();
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
    ['not hex', { 'X-Hr-Signature': 'zz', 'X-Hr-Timestamp': ts }, /does not match/],
  ])('refuses %s', (_label, values, message) => {
    expect(() => verifyWebhook(body, headers(values as Record<string, string>), secret, settings, now)).toThrow(
      expect.objectContaining({ code: 'UNAUTHENTICATED', message: expect.stringMatching(message) }),
    );
  });
});
