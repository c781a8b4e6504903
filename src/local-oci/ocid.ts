import { randomBytes } from 'node:crypto';

/** Makes an OCID of the real shape: `ocid1.<type>.oc1.<region>.<unique>` (region empty for global resources). */
export function makeOcid(type: string, region = ''): string {
  return `ocid1.${type}.oc1.${region}.aaaaaaaa${randomBytes(26).toString('hex').slice(0, 52)}`;
}

/** An `opc-request-id` of the form OCI returns (hex, slash-separated parts). */
export function makeRequestId(): string {
  return `${randomBytes(16).toString('hex').toUpperCase()}/${randomBytes(16).toString('hex').toUpperCase()}`;
}
