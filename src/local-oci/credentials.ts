import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the local OCI trusts: an administrator API key and a resource-principal session key. */
export interface LocalCredentials {
  readonly tenancyId: string;
  readonly adminUserId: string;
  readonly adminFingerprint: string;
  readonly adminPublicKey: KeyObject;
  readonly tokenIssuerPublicKey: KeyObject;
  /** Files in the forms the real SDK reads. */
  readonly files: {
    readonly dir: string;
    readonly configFile: string;
    readonly adminKeyPem: string;
    readonly rpst: string;
    readonly rpPrivatePem: string;
  };
  /** The `OCI_RESOURCE_PRINCIPAL_*` variables OCI Functions gives a function. */
  readonly resourcePrincipalEnv: Readonly<Record<string, string>>;
  /** Makes another RPST, e.g. an expired one for tests. */
  issueRpst(claims: { expiresInSeconds: number }): string;
}

/**
 * The three keys of a local tenancy, made once per process: a 2048-bit RSA key takes 0.1 to 1 s to make
 * on two busy cores, and a test process starts dozens of tenancies. Each tenancy is still its own (its
 * port, state, files and tokens); only a process's tenancies share these keys, never two processes.
 */
type KeyPair = { readonly publicKey: KeyObject; readonly privateKey: KeyObject };
const tenancyKeys = new Map<'admin' | 'session' | 'issuer', KeyPair>();

function rsaKeyPair(role: 'admin' | 'session' | 'issuer'): KeyPair {
  const made = tenancyKeys.get(role);
  if (made) return made;
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  tenancyKeys.set(role, pair);
  return pair;
}

/** OCI's API-key fingerprint: MD5 of the DER public key, as colon-separated hex pairs. */
export function fingerprintOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return (createHash('md5').update(der).digest('hex').match(/../g) ?? []).join(':');
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

/** Signs a JWT with RS256, as the OCI resource-principal token service does. */
function signJwt(claims: Record<string, unknown>, key: KeyObject): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'local-oci' }));
  const payload = base64url(JSON.stringify(claims));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key);
  return `${header}.${payload}.${base64url(signature)}`;
}

/**
 * Creates the credentials of a fresh local tenancy and writes them under `dir`.
 * The RPST carries the session public key as a `jwk` claim, as OCI's does, so the
 * local OCI can verify `ST$<rpst>` signatures without any other lookup.
 */
export function createLocalCredentials(options: {
  dir: string;
  tenancyId: string;
  adminUserId: string;
  functionCompartmentId: string;
  functionId: string;
  region: string;
}): LocalCredentials {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const admin = rsaKeyPair('admin');
  const session = rsaKeyPair('session');
  const issuer = rsaKeyPair('issuer');
  const adminFingerprint = fingerprintOf(admin.publicKey);
  const sessionJwk = JSON.stringify(session.publicKey.export({ format: 'jwk' }));

  const issueRpst = ({ expiresInSeconds }: { expiresInSeconds: number }) => {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      {
        sub: options.functionId,
        iss: 'authService.oracle.com',
        aud: 'oci',
        iat: now,
        exp: now + expiresInSeconds,
        res_type: 'fnfunc',
        res_id: options.functionId,
        res_tenant: options.tenancyId,
        res_compartment: options.functionCompartmentId,
        ttype: 'res',
        jwk: sessionJwk,
      },
      issuer.privateKey,
    );
  };

  const files = {
    dir: options.dir,
    configFile: join(options.dir, 'config'),
    adminKeyPem: join(options.dir, 'admin_api_key.pem'),
    rpst: join(options.dir, 'rpst'),
    rpPrivatePem: join(options.dir, 'rp_session_key.pem'),
  };
  const pem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(files.adminKeyPem, pem(admin.privateKey), { mode: 0o600 });
  writeFileSync(files.rpPrivatePem, pem(session.privateKey), { mode: 0o600 });
  writeFileSync(files.rpst, issueRpst({ expiresInSeconds: 3600 }), { mode: 0o600 });
  writeFileSync(
    files.configFile,
    [
      '[DEFAULT]',
      `user=${options.adminUserId}`,
      `fingerprint=${adminFingerprint}`,
      `tenancy=${options.tenancyId}`,
      `region=${options.region}`,
      `key_file=${files.adminKeyPem}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  return {
    tenancyId: options.tenancyId,
    adminUserId: options.adminUserId,
    adminFingerprint,
    adminPublicKey: admin.publicKey,
    tokenIssuerPublicKey: issuer.publicKey,
    files,
    resourcePrincipalEnv: {
      OCI_RESOURCE_PRINCIPAL_VERSION: '2.2',
      OCI_RESOURCE_PRINCIPAL_RPST: files.rpst,
      OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM: files.rpPrivatePem,
      OCI_RESOURCE_PRINCIPAL_REGION: options.region,
    },
    issueRpst,
  };
}

/** A user's own API key, and a config file that signs with it, as `oci setup config` writes one. */
export interface UserApiKey {
  readonly fingerprint: string;
  readonly publicKey: KeyObject;
  /** `tenancy/user/fingerprint`, the `keyId` the SDK signs with. */
  readonly keyId: string;
  readonly configFile: string;
}

/**
 * Makes an API key for a user other than the administrator and writes its private key and a
 * `[DEFAULT]` config file under `dir` (file names from `label`).
 */
export function createUserApiKey(options: { dir: string; label: string; tenancyId: string; userId: string; region: string }): UserApiKey {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const fingerprint = fingerprintOf(pair.publicKey);
  const keyFile = join(options.dir, `${options.label}_api_key.pem`);
  const configFile = join(options.dir, `${options.label}_config`);
  writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  writeFileSync(
    configFile,
    [
      '[DEFAULT]',
      `user=${options.userId}`,
      `fingerprint=${fingerprint}`,
      `tenancy=${options.tenancyId}`,
      `region=${options.region}`,
      `key_file=${keyFile}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return { fingerprint, publicKey: pair.publicKey, keyId: `${options.tenancyId}/${options.userId}/${fingerprint}`, configFile };
}

/** Re-exported for the signature verifier. */
export { createPrivateKey, createPublicKey };
