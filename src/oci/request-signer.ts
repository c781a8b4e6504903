import { createHash, createPrivateKey, type KeyObject, sign } from 'node:crypto';
import * as common from 'oci-common';

/** SHA-256 of the empty body, as OCI expects it in `x-content-sha256`. */
const EMPTY_SHA256 = createHash('sha256').update('').digest('base64');
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

interface SignableRequest {
  readonly method: string;
  readonly uri: string;
  readonly headers: Headers;
  readonly body?: unknown;
}

/**
 * OCI's request signature (Oracle's "Request Signatures" page: draft-cavage HTTP signatures, version 1,
 * rsa-sha256 over `x-date (request-target) host`, plus `content-type content-length x-content-sha256`
 * for POST, PUT and PATCH), made with a parsed private key kept while the provider's key stays the same.
 *
 * Why not the SDK's own signer: oci-common 2.139.1 `DefaultRequestSigner` hands the PEM text to
 * `http-signature`, which parses it with sshpk, writes it out again as PKCS#1 PEM and gives that to
 * OpenSSL, on every request. Measured here (`npm run bench`, CPU profile of an upload invocation): 43 % of
 * the function's CPU, ~3.3 ms a request against ~1.3 ms for the signature alone with a parsed key. An
 * upload makes one request per IAM call, so this is the function's largest cost. Anything unusual
 * (a delegation token, an instance principal, a body that is not text) goes to the SDK's signer. The
 * local OCI verifies every signature, so a mistake here fails every test.
 */
export class ParsedKeyRequestSigner extends common.DefaultRequestSigner {
  #pem = '';
  #key: KeyObject | undefined;

  constructor(private readonly provider: common.AuthenticationDetailsProvider) {
    super(provider);
  }

  override async signHttpRequest(request: SignableRequest, forceExcludeBody = false): Promise<void> {
    const delegating = this.provider as { getProvider?: () => unknown; getAuthType?: () => unknown };
    const body = request.body;
    const withBody = !forceExcludeBody && BODY_METHODS.has(request.method.toUpperCase());
    if (
      delegating.getProvider?.() ||
      delegating.getAuthType?.() ||
      (withBody && body !== undefined && body !== null && typeof body !== 'string' && !Buffer.isBuffer(body))
    )
      return super.signHttpRequest(request as never, forceExcludeBody);

    const url = new URL(request.uri);
    const { headers } = request;
    if (!headers.has('host')) headers.set('host', url.host);
    if (!headers.has('x-date')) headers.set('x-date', new Date().toUTCString());
    const names = ['x-date', '(request-target)', 'host'];
    if (withBody) {
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : ((body as Buffer | undefined) ?? Buffer.alloc(0));
      headers.set('x-content-sha256', bytes.length ? createHash('sha256').update(bytes).digest('base64') : EMPTY_SHA256);
      if (!headers.has('content-length')) headers.set('content-length', String(bytes.length));
      names.push('content-type', 'content-length', 'x-content-sha256');
    }
    const target = `${request.method.toLowerCase()} ${url.pathname}${url.search}`;
    const signingString = names
      .map((name) => (name === '(request-target)' ? `${name}: ${target}` : `${name}: ${headers.get(name)}`))
      .join('\n');
    // The key id first: a resource principal renews its token (and its key pair) when asked for it.
    const keyId = await this.provider.getKeyId();
    const signature = sign('sha256', Buffer.from(signingString, 'utf8'), this.#keyFor(this.provider.getPrivateKey())).toString('base64');
    headers.set(
      'authorization',
      `Signature version="1",keyId="${keyId}",algorithm="rsa-sha256",headers="${names.join(' ')}",signature="${signature}"`,
    );
  }

  /** The parsed key, parsed again only when the provider's key changes (a refreshed resource principal). */
  #keyFor(pem: string): KeyObject {
    if (!this.#key || pem !== this.#pem) {
      const passphrase = this.provider.getPassphrase();
      this.#key = createPrivateKey(passphrase ? { key: pem, passphrase } : pem);
      this.#pem = pem;
    }
    return this.#key;
  }
}

/**
 * The parameters every OCI client of this function is built with: the provider, and an HTTP client
 * that signs with `ParsedKeyRequestSigner`. The generated clients read `params.httpClient` before
 * making their own (oci-identity 2.139.1 lib/client.js: `this._httpClient = params.httpClient || new
 * FetchHttpClient(...)`), though their types allow it only without a provider; hence the narrower type.
 * No circuit breaker, as `clientConfiguration` says (clients.ts).
 */
export function signedClientParams(provider: common.AuthenticationDetailsProvider): {
  authenticationDetailsProvider: common.AuthenticationDetailsProvider;
} {
  return {
    authenticationDetailsProvider: provider,
    httpClient: new common.FetchHttpClient(new ParsedKeyRequestSigner(provider), null as never),
  } as {
    authenticationDetailsProvider: common.AuthenticationDetailsProvider;
  };
}
