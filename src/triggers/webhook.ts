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

/** An HMAC-SHA256 written as lower-case hex (64 characters) or as padded base64 (44), nothing around it. */
const HEX = /^[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]{43}=$/;
/** Unix seconds, digits only: `Number()` would also take ` 1e9`, `0x…` or an empty string. */
const SECONDS = /^[0-9]{1,12}$/;

/** The signature an HR system sends: hex HMAC-SHA256 of `<timestamp>.<body>` with the shared secret. */
export function signWebhook(secret: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/**
 * The 32 bytes a signature header stands for, or undefined unless it is exactly one of the two
 * encodings: Buffer.from(text, 'hex') stops at the first bad character and drops a trailing half
 * byte, so a valid signature followed by garbage would decode to the valid bytes. Base64 must be
 * canonical (it encodes back to itself), so no two headers stand for the same bytes.
 */
export function signatureBytes(value: string): Buffer | undefined {
  const text = value.startsWith('sha256=') ? value.slice('sha256='.length) : value;
  if (HEX.test(text)) return Buffer.from(text, 'hex');
  if (BASE64.test(text)) {
    const bytes = Buffer.from(text, 'base64');
    return bytes.length === 32 && bytes.toString('base64') === text ? bytes : undefined;
  }
  return undefined;
}

/**
 * Checks an API Gateway request from the HR system: a timestamp within the tolerance (no replay of an
 * old request) and an HMAC of timestamp and the body's exact bytes, decoded strictly and compared in
 * constant time. A replay inside the tolerance is caught by the delivery id, not here.
 */
export function verifyWebhook(
  body: string | Uint8Array,
  header: (name: string) => string | null,
  secret: SecretValue,
  settings: WebhookSettings,
  /** The function's clock, epoch ms. */
  now: number,
): void {
  const timestamp = header(settings.timestampHeader);
  const signature = header(settings.signatureHeader);
  if (!timestamp || !signature) throw unauthenticated(`${settings.signatureHeader} and ${settings.timestampHeader} are required`);
  if (!SECONDS.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > settings.toleranceSeconds)
    throw unauthenticated('the timestamp is missing, malformed or stale');
  const given = signatureBytes(signature);
  if (!given) throw unauthenticated('the signature is not 64 lower-case hex characters or 44 base64 characters');
  const expected = createHmac('sha256', secret.reveal()).update(`${timestamp}.`).update(body).digest();
  if (!timingSafeEqual(given, expected)) throw unauthenticated('the signature does not match');
}
