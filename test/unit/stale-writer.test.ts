import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ObjectStore, WriteCondition } from '../../src/core/ports';
import type { ChunkRecord, UploadRecord } from '../../src/core/upload-progress';
import type { Invocation } from '../../src/triggers/invocation';
import { ChunkBoard, chunkName, partName } from '../../src/triggers/upload-chunks';

/** Object Storage as far as chunk records need it: ETags, and writes refused (412) when a condition fails. */
function memoryStore() {
  const objects = new Map<string, { body: string; etag: string }>();
  let version = 0;
  const holds = (name: string, condition?: WriteCondition) => {
    const found = objects.get(name);
    if (!condition) return true;
    return 'ifNoneMatch' in condition ? !found : found?.etag === condition.ifMatch;
  };
  const put = (name: string, body: string) => {
    version += 1;
    const etag = createHash('md5').update(`${version}:${body}`).digest('hex');
    objects.set(name, { body, etag });
    return etag;
  };
  const unused = () => {
    throw new Error('not used here');
  };
  const store: ObjectStore = {
    head: unused,
    readBytes: unused,
    compose: unused,
    delete: unused,
    async write(_bucket, name, body) {
      put(name, body);
    },
    async readJson<T>(_bucket: string, name: string) {
      const found = objects.get(name);
      return found ? (JSON.parse(found.body) as T) : undefined;
    },
    async readVersioned<T>(_bucket: string, name: string) {
      const found = objects.get(name);
      return found ? { value: JSON.parse(found.body) as T, etag: found.etag } : undefined;
    },
    async writeIf(_bucket, name, body, _contentType, condition) {
      return holds(name, condition) ? put(name, body) : undefined;
    },
  };
  return { store, objects };
}

const plan: UploadRecord = {
  key: 'upload:b/o.csv#md5',
  source: { bucket: 'b', object: 'o.csv', md5: 'md5' },
  status: 'running',
  rows: 10,
  chunkRows: 10,
  chunks: 1,
  round: 1,
  startedAt: '2026-01-01T00:00:00.000Z',
  callId: 'first',
};
/** Only what a claim looks at: who claims, and when its invocation ends (its lease ends then at the latest). */
const invocation = (callId: string, deadline: number) => ({ callId, deadline }) as unknown as Invocation;

describe('a chunk owner that outlived its lease', () => {
  it('cannot overwrite the report part of the owner that took the chunk over, nor record its own', async () => {
    // Prepare: owner A claims the chunk with a lease that ends in 30 ms; after it, owner B takes it over.
    const { store, objects } = memoryStore();
    const dir = '.onboarding/uploads/x';
    const stale = await new ChunkBoard(store, 'state', dir, plan, invocation('a', Date.now() + 30)).claim(new Set());
    await sleep(40);
    const fresh = await new ChunkBoard(store, 'state', dir, plan, invocation('b', Date.now() + 60_000)).claim(new Set());
    if (!stale || !('claim' in stale) || !fresh || !('claim' in fresh)) throw new Error('both claims should have been granted');
    const a = stale.claim;
    const b = fresh.claim;
    // B checkpoints: its part, named by its claim, then its record (if-match).
    const bPart = partName(dir, 0, b.record.invocations, 1);
    await store.write('state', bPart, '2,succeeded,B2\r\n', 'text/csv');
    const bRecord: ChunkRecord = { ...b.record, parts: [{ claim: b.record.invocations, sizes: [16] }] };
    const bEtag = await store.writeIf('state', chunkName(dir, 0), JSON.stringify(bRecord), 'application/json', { ifMatch: b.etag });

    // Act: A, late, checkpoints the same way: its part under its own claim's name, then its record.
    const aPart = partName(dir, 0, a.record.invocations, 1);
    await store.write('state', aPart, '2,succeeded,A2\r\n', 'text/csv');
    const aRecord: ChunkRecord = { ...a.record, parts: [{ claim: a.record.invocations, sizes: [16] }] };
    const aEtag = await store.writeIf('state', chunkName(dir, 0), JSON.stringify(aRecord), 'application/json', { ifMatch: a.etag });

    // Assess: the claims are numbered apart, so the parts are too; B's part is intact; A's record write is
    // refused, and the record lists B's part only (A's is never joined into the report).
    expect([a.record.invocations, b.record.invocations]).toEqual([1, 2]);
    expect(aPart).not.toBe(bPart);
    expect(bEtag).toBeDefined();
    expect(aEtag).toBeUndefined();
    expect(objects.get(bPart)?.body).toBe('2,succeeded,B2\r\n');
    const record = JSON.parse(objects.get(chunkName(dir, 0))?.body ?? '{}') as ChunkRecord;
    expect(record.owner?.callId).toBe('b');
    expect(record.parts).toEqual([{ claim: 2, sizes: [16] }]);
  });

  it('cannot take a chunk whose lease is still running', async () => {
    // Prepare: owner A holds the chunk for a minute.
    const { store } = memoryStore();
    const dir = '.onboarding/uploads/y';
    await new ChunkBoard(store, 'state', dir, plan, invocation('a', Date.now() + 60_000)).claim(new Set());
    // Act
    const other = await new ChunkBoard(store, 'state', dir, plan, invocation('b', Date.now() + 60_000)).claim(new Set());
    // Assess: B is told when the lease ends, and gets no claim.
    expect(other).toEqual({ heldUntil: expect.any(Number) });
  });
});
