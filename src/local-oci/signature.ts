import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Why a request was refused; the local OCI answers 401 NotAuthenticated with this text. */
export class SignatureRejected extends Error {}

export interface Principal {
  readonly kind: 'user' | 'resource';
  readonly tenancyId: string;
  readonly id: string;
  /** A resource principal's type (`res_type`, e.g. `fnfunc`) and compartment (`res_compartment`), from its RPST. */
  readonly resourceType?: string;
  readonly compartmentId?: string;
}

export interface SignatureVerifierOptions {
  /** API keys by `tenancy/user/fingerprint`. */
  readonly apiKeys: ReadonlyMap<string, KeyObject>;
  readonly tokenIssuerKey: KeyObject;
  /** How far `x-date`/`date` may be from the server clock; OCI allows 5 minutes. */
  readonly maxSkewMs?: number;
  readonly now?: () => number;
}

const BASE_HEADERS = ['(request-target)', 'host'];
const BODY_HEADERS = ['content-type', 'content-length', 'x-content-sha256'];

function parseAuthorization(header: string | undefined): Record<string, string> {
  if (!header?.startsWith('Signature ')) throw new SignatureRejected('missing Signature authorization header');
  const fields: Record<string, string> = {};
  for (const match of header.slice('Signature '.length).matchAll(/(\w+)="([^"]*)"/g)) {
    const [, key, value] = match;
    if (key !== undefined && value !== undefined) fields[key] = value;
  }
  for (const required of ['keyId', 'algorithm', 'headers', 'signature']) {
    if (!fields[required]) throw new SignatureRejected(`authorization header has no ${required}`);
  }
  return fields;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function decodeJwtPart(part: string | undefined): Record<string, unknown> {
  if (!part) throw new SignatureRejected('malformed security token');
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new SignatureRejected('malformed security token');
  }
}

/**
 * Verifies an OCI HTTP signature (draft-cavage, rsa-sha256) as OCI does, for API keys and
 * resource-principal session tokens. `excludeBody` is for the operations OCI signs without the
 * body headers (Object Storage PutObject).
 */
export function verifyRequestSignature(
  request: {
    method: string;
    rawTarget: string;
    headers: IncomingHttpHeaders;
    body: Buffer;
    excludeBody: boolean;
  },
  options: SignatureVerifierOptions,
): Principal {
  const auth = parseAuthorization(headerValue(request.headers, 'authorization'));
  if (auth.algorithm !== 'rsa-sha256') throw new SignatureRejected(`unsupported algorithm ${auth.algorithm}`);
  const signed = (auth.headers ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const dateHeader = signed.includes('x-date') ? 'x-date' : signed.includes('date') ? 'date' : undefined;
  if (!dateHeader) throw new SignatureRejected('neither date nor x-date is signed');
  const method = request.method.toUpperCase();
  const needsBody = ['POST', 'PUT', 'PATCH'].includes(method) && !request.excludeBody;
  for (const name of [...BASE_HEADERS, ...(needsBody ? BODY_HEADERS : [])]) {
    if (!signed.includes(name)) throw new SignatureRejected(`header ${name} must be signed`);
  }

  const now = (options.now ?? Date.now)();
  const date = Date.parse(headerValue(request.headers, dateHeader) ?? '');
  if (Number.isNaN(date) || Math.abs(now - date) > (options.maxSkewMs ?? 5 * 60_000)) {
    throw new SignatureRejected('date is missing or outside the allowed clock skew');
  }
  if (needsBody) {
    const digest = createHash('sha256').update(request.body).digest('base64');
    if (headerValue(request.headers, 'x-content-sha256') !== digest)
      throw new SignatureRejected('x-content-sha256 does not match the body');
    if (Number(headerValue(request.headers, 'content-length')) !== request.body.length) {
      throw new SignatureRejected('content-length does not match the body');
    }
  }

  const signingString = signed
    .map((name) => {
      if (name === '(request-target)') return `(request-target): ${method.toLowerCase()} ${request.rawTarget}`;
      const value = headerValue(request.headers, name);
      if (value === undefined) throw new SignatureRejected(`signed header ${name} is absent`);
      return `${name}: ${value}`;
    })
    .join('\n');

  const { key, principal } = resolveKey(auth.keyId ?? '', options, now);
  const ok = verify('sha256', Buffer.from(signingString), key, Buffer.from(auth.signature ?? '', 'base64'));
  if (!ok) throw new SignatureRejected('signature does not verify');
  return principal;
}

function resolveKey(keyId: string, options: SignatureVerifierOptions, now: number): { key: KeyObject; principal: Principal } {
  if (keyId.startsWith('ST$')) {
    const token = keyId.slice(3);
    const [header, payload, signature] = token.split('.');
    const ok =
      header !== undefined &&
      payload !== undefined &&
      signature !== undefined &&
      verify('sha256', Buffer.from(`${header}.${payload}`), options.tokenIssuerKey, Buffer.from(signature, 'base64url'));
    if (!ok) throw new SignatureRejected('security token was not issued by this tenancy');
    const claims = decodeJwtPart(payload);
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) throw new SignatureRejected('security token has expired');
    if (typeof claims.jwk !== 'string' || typeof claims.res_tenant !== 'string') throw new SignatureRejected('security token lacks claims');
    const key = createPublicKey({
      key: JSON.parse(claims.jwk) as import('node:crypto').JsonWebKey,
      format: 'jwk',
    });
    return {
      key,
      principal: {
        kind: 'resource',
        tenancyId: claims.res_tenant,
        id: String(claims.res_id ?? claims.sub),
        ...(typeof claims.res_type === 'string' ? { resourceType: claims.res_type } : {}),
        ...(typeof claims.res_compartment === 'string' ? { compartmentId: claims.res_compartment } : {}),
      },
    };
  }
  const key = options.apiKeys.get(keyId);
  if (!key) throw new SignatureRejected('unknown key id');
  const [tenancyId = '', userId = ''] = keyId.split('/');
  return { key, principal: { kind: 'user', tenancyId, id: userId } };
}
