import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ChunkRecord, UploadRecord } from '../../src/core/upload-progress';
import type { Invocation } from '../../src/triggers/invocation';
import { ChunkBoard, chunkName, partName } from '../../src/triggers/upload-chunks';
import { memoryStore } from './memory-store';

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

describe('a chunk owner that outlived its lease (ChunkBoard claims)', () => {
  it('is taken over under a new claim number once its lease ends, so its late part has a name of its own', async () => {
    // Prepare: owner A claims the chunk with a lease that ends in 30 ms.
    const { store, objects } = memoryStore();
    const dir = '.onboarding/uploads/x';
    const stale = await new ChunkBoard(store, 'state', dir, plan, invocation('a', Date.now() + 30)).claim(new Set());
    if (!stale || !('claim' in stale)) throw new Error('the first claim should have been granted');
    // Act: while A's lease runs, B is told to wait; after it, B takes the chunk over.
    const early = await new ChunkBoard(store, 'state', dir, plan, invocation('b', Date.now() + 60_000)).claim(new Set());
    await sleep(40);
    const fresh = await new ChunkBoard(store, 'state', dir, plan, invocation('b', Date.now() + 60_000)).claim(new Set());
    if (!fresh || !('claim' in fresh)) throw new Error('the take-over should have been granted');
    // Assess: B's claim is numbered after A's, so the parts each writes are named apart; the record is B's,
    // and A's ETag no longer matches it (A's checkpoint would be refused).
    expect(early).toEqual({ heldUntil: stale.claim.record.owner?.until });
    expect([stale.claim.record.invocations, fresh.claim.record.invocations]).toEqual([1, 2]);
    expect(partName(dir, 0, stale.claim.record.invocations, 1)).not.toBe(partName(dir, 0, fresh.claim.record.invocations, 1));
    const record = JSON.parse(objects.get(chunkName(dir, 0))?.body ?? '{}') as ChunkRecord;
    expect(record.owner?.callId).toBe('b');
    expect(objects.get(chunkName(dir, 0))?.etag).not.toBe(stale.claim.etag);
  });

  it("waits for a held chunk no longer than its lease nor the waiter's own stop", async () => {
    // Prepare
    const board = new ChunkBoard(memoryStore().store, 'state', '.onboarding/uploads/w', plan, invocation('w', Date.now() + 60_000));
    // Act
    const started = Date.now();
    await board.pause(Date.now() + 60_000, Date.now() + 50);
    const byStop = Date.now() - started;
    await board.pause(Date.now() + 50, Date.now() + 60_000);
    const byLease = Date.now() - started - byStop;
    // Assess: each wait ends at the earlier bound (give or take the timer), well before the 1 s poll.
    expect(byStop).toBeLessThan(500);
    expect(byLease).toBeLessThan(500);
    expect(byStop + byLease).toBeGreaterThanOrEqual(90);
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

  it('counts a chunk it lost the race for as held, so that it waits rather than ends', async () => {
    // Prepare: between B's read of the free chunk and its claim, A claims it.
    const { store } = memoryStore();
    const dir = '.onboarding/uploads/z';
    const writeIf = store.writeIf.bind(store);
    let raced = false;
    store.writeIf = async (bucket, name, body, contentType, condition) => {
      if (!raced) {
        raced = true;
        await new ChunkBoard(store, 'state', dir, plan, invocation('a', Date.now() + 60_000)).claim(new Set());
      }
      return writeIf(bucket, name, body, contentType, condition);
    };
    // Act
    const before = Date.now();
    const lost = await new ChunkBoard(store, 'state', dir, plan, invocation('b', Date.now() + 60_000)).claim(new Set());
    // Assess: no claim, and not "nothing open" either: held, to be looked at again after a poll.
    expect(raced).toBe(true);
    expect(lost).toEqual({ heldUntil: expect.any(Number) });
    expect((lost as { heldUntil: number }).heldUntil).toBeGreaterThan(before);
  });
});
