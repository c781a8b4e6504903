import { createHash } from 'node:crypto';
import type { RowResult } from '../core/batch';
import type { ObjectStore } from '../core/ports';

/**
 * A marker says a delivery (an ONS message, an OCI event, an uploaded file's content) was handled, so a
 * second delivery writes nothing. A partial batch's marker lists its rows, so a re-run resumes.
 */
export interface Marker {
  readonly key: string;
  readonly status: 'complete' | 'partial';
  readonly at: string;
  readonly callId: string;
  readonly rows?: readonly RowResult[];
}

export const markerName = (key: string) => `.onboarding/markers/${createHash('sha256').update(key).digest('hex')}.json`;

export function readMarker(store: ObjectStore, bucket: string, key: string): Promise<Marker | undefined> {
  return store.readJson<Marker>(bucket, markerName(key));
}

export function writeMarker(store: ObjectStore, bucket: string, marker: Marker): Promise<void> {
  return store.write(bucket, markerName(marker.key), JSON.stringify(marker), 'application/json');
}
