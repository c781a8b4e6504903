import { createHash } from 'node:crypto';
import type { ObjectStore } from '../core/ports';
import { type MarkerStatus, Status } from '../core/status';
import { type Clock, systemClock } from '../support/clock';
import { toErrorReport } from '../support/errors';

/**
 * A marker says a delivery (an ONS message, an OCI event) is being handled or was handled, so a second
 * delivery writes nothing. It is created with `if-none-match: *` before any work, so of two deliveries
 * arriving together exactly one creates it and the other answers `duplicate`; it is finished with
 * `if-match`. Only a delivery that completed is final: after a failure, the next delivery retries.
 */
export interface Marker {
  readonly key: string;
  /** `running` while a delivery is handled (`in-progress` before the one vocabulary; still read as such). */
  readonly status: MarkerStatus | typeof LEGACY_RUNNING;
  readonly at: string;
  readonly callId: string;
  /** While in progress: when the handling invocation's deadline passes (epoch ms); then another may take over. */
  readonly until?: number;
}

/** What a marker being handled said before status.ts: read as `running`, never written. */
const LEGACY_RUNNING = 'in-progress';

export const markerName = (key: string) => `.onboarding/markers/${createHash('sha256').update(key).digest('hex')}.json`;

export type Claim =
  | { readonly kind: 'claimed'; readonly etag: string }
  | { readonly kind: 'duplicate'; readonly reason: string }
  | { readonly kind: 'unavailable'; readonly warning: string };

/** Claims a delivery: created if new, taken over if its earlier handler failed or died. */
export async function claimMarker(
  store: ObjectStore,
  bucket: string,
  key: string,
  callId: string,
  until: number,
  clock: Clock = systemClock,
): Promise<Claim> {
  const marker: Marker = { key, status: Status.Running, at: new Date(clock.now()).toISOString(), callId, until };
  const body = JSON.stringify(marker);
  try {
    const created = await store.writeIf(bucket, markerName(key), body, 'application/json', { ifNoneMatch: '*' });
    if (created) return { kind: 'claimed', etag: created };
    const seen = await store.readVersioned<Marker>(bucket, markerName(key));
    if (!seen) return claimMarker(store, bucket, key, callId, until, clock);
    if (seen.value.callId === callId) return { kind: 'claimed', etag: seen.etag };
    if (seen.value.status === Status.Complete)
      return { kind: 'duplicate', reason: `already handled by call ${seen.value.callId} at ${seen.value.at}` };
    const running = seen.value.status === Status.Running || seen.value.status === LEGACY_RUNNING;
    if (running && (seen.value.until ?? 0) > clock.now())
      return { kind: 'duplicate', reason: `being handled by call ${seen.value.callId} since ${seen.value.at}` };
    const taken = await store.writeIf(bucket, markerName(key), body, 'application/json', { ifMatch: seen.etag });
    return taken ? { kind: 'claimed', etag: taken } : { kind: 'duplicate', reason: 'another delivery took it over a moment ago' };
  } catch (error) {
    return { kind: 'unavailable', warning: `the dedup marker could not be written (${toErrorReport(error).message}); handled without it` };
  }
}

/** Records how the delivery ended; answers a warning when that could not be written. */
export async function finishMarker(
  store: ObjectStore,
  bucket: string,
  key: string,
  claim: Claim,
  callId: string,
  status: typeof Status.Complete | typeof Status.Failed,
): Promise<string | undefined> {
  const marker: Marker = { key, status, at: new Date().toISOString(), callId };
  try {
    const condition = claim.kind === 'claimed' ? { ifMatch: claim.etag } : { ifNoneMatch: '*' as const };
    const written = await store.writeIf(bucket, markerName(key), JSON.stringify(marker), 'application/json', condition);
    return written ? undefined : 'the dedup marker was changed by another delivery meanwhile; it was left as that delivery wrote it';
  } catch (error) {
    return `the dedup marker could not be updated (${toErrorReport(error).message}); a re-delivery may do this again, writing nothing new`;
  }
}
