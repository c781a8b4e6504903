import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode, OnboardingError } from '../support/errors';
import type { SecretValue } from '../support/secret';

export interface WebhookSettings {
  readonly signatureHeader: string;
  readonly timestampHeader: string;
  readonly toleranceSeconds: number;
}

const unauthenticated = (why: string) =>
  new OnboardingError(ErrorCode.Unauthenticated, `The request is not signed by the HR system: ${why}`);

/** The signature an HR system sends: hex HMAC-SHA256 of `<timestamp>.<body>` with the shared secret. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * Checks an API Gateway request from the HR system: a timestamp within the tolerance (no replay of an
 * old request) and an HMAC of timestamp and body that matches, compared in constant time.
 */
export function verifyWebhook(
  body: string,
  header: (name: string) => string | null,
  secret: SecretValue,
  settings: WebhookSettings,
  now = Date.now(),
): void {
  const timestamp = header(settings.timestampHeader);
  const signature = header(settings.signatureHeader)?.replace(/^sha256=/i, '');
  if (!timestamp || !signature) throw unauthenticated(`${settings.signatureHeader} and ${settings.timestampHeader} are required`);
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds) || Math.abs(now / 1000 - seconds) > settings.toleranceSeconds)
    throw unauthenticated('the timestamp is missing, malformed or stale');
  const expected = Buffer.from(signWebhook(secret.reveal(), timestamp, body), 'hex');
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw unauthenticated('the signature does not match');
}
