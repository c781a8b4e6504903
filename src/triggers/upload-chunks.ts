import { createHash } from 'node:crypto';
import type { ObjectStore } from '../core/ports';
import { type ChunkRecord, claimable, emptyChunk, LEASE_MS, type UploadRecord } from '../core/upload-progress';
import type { Invocation } from './invocation';

/** Where an upload's progress lives in the state bucket. */
export const progressDir = (key: string) => `.onboarding/uploads/${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
export const chunkName = (dir: string, chunk: number) => `${dir}/chunk-${String(chunk).padStart(5, '0')}.json`;
export const partName = (dir: string, chunk: number, claim: number, part: number) =>
  `${dir}/rows/${pad(chunk)}-${pad(claim)}-${pad(part)}.csv`;
/** A chunk's failed rows as of one checkpoint: the rows (`.json`, read by the next owner) and their report lines (`.csv`). */
export const failedName = (dir: string, chunk: number, claim: number, version: number, ext: 'json' | 'csv') =>
  `${dir}/failed/${pad(chunk)}-${pad(claim)}-${pad(version)}.${ext}`;
const pad = (n: number) => String(n).padStart(5, '0');

/** How often an invocation waiting for a leased chunk looks at its record again. */
const WAIT_POLL_MS = 1000;

export interface Versioned<T> {
  value: T;
  etag: string | undefined;
}

export interface Claim {
  readonly record: ChunkRecord;
  readonly etag: string;
  /** The chunk was last worked in an earlier round: its failed rows get their tries again. */
  readonly reDelivery: boolean;
}

/** A lease from now: LEASE_MS, never past the invocation's own deadline. */
export const leaseFor = (inv: Invocation, now = Date.now()) => ({ callId: inv.callId, until: Math.min(now + LEASE_MS, inv.deadline) });

/**
 * The chunk records of one upload as one invocation sees them. A chunk that is done stays done for
 * the round, so its record is read once per invocation; the others are read when needed. Claims
 * start at a place of their own (from the call id), so invocations starting together do not all
 * race for chunk 0, and stop reading at the first chunk they win.
 */
export class ChunkBoard {
  readonly #done = new Map<number, ChunkRecord>();
  readonly #start: number;

  constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
    private readonly dir: string,
    private readonly plan: UploadRecord,
    private readonly inv: Invocation,
  ) {
    this.#start = createHash('sha256').update(inv.callId).digest().readUInt32BE(0) % plan.chunks;
  }

  isDone(record: ChunkRecord): boolean {
    return record.status === 'done' && (record.round === this.plan.round || record.failedRows === 0);
  }

  async read(chunk: number): Promise<Versioned<ChunkRecord>> {
    const known = this.#done.get(chunk);
    if (known) return { value: known, etag: undefined };
    const found = await this.store.readVersioned<ChunkRecord>(this.bucket, chunkName(this.dir, chunk));
    const value = found?.value ?? emptyChunk(chunk, this.plan.round);
    if (this.isDone(value)) this.#done.set(chunk, value);
    return { value, etag: found?.etag };
  }

  /** Every chunk record (done ones from memory). */
  async all(): Promise<Versioned<ChunkRecord>[]> {
    const out: Versioned<ChunkRecord>[] = [];
    for (let chunk = 0; chunk < this.plan.chunks; chunk += 1) out.push(await this.read(chunk));
    return out;
  }

  /**
   * Claims an open chunk nobody holds (or whose lease ran out), with a conditional write. When every
   * open chunk is held, answers the earliest lease end instead: the caller may wait and claim again, which is
   * how a chunk is taken over from an invocation that stopped (its lease ends) or that died (its
   * lease is not renewed). `skip` names chunks this invocation already worked.
   */
  async claim(skip: ReadonlySet<number>): Promise<{ claim: Claim } | { heldUntil: number } | undefined> {
    let held: { heldUntil: number } | undefined;
    for (let i = 0; i < this.plan.chunks; i += 1) {
      const chunk = (this.#start + i) % this.plan.chunks;
      if (skip.has(chunk) || this.#done.has(chunk)) continue;
      const { value, etag } = await this.read(chunk);
      if (this.isDone(value)) continue;
      const reopened = value.round < this.plan.round;
      const now = Date.now();
      if (!reopened && !claimable(value, now)) {
        const until = value.owner?.until ?? now;
        if (!held || until < held.heldUntil) held = { heldUntil: until };
        continue;
      }
      const claimed: ChunkRecord = {
        ...value,
        status: 'open',
        round: this.plan.round,
        owner: leaseFor(this.inv, now),
        invocations: value.invocations + 1,
      };
      const next = await this.store.writeIf(
        this.bucket,
        chunkName(this.dir, chunk),
        JSON.stringify(claimed),
        'application/json',
        etag ? { ifMatch: etag } : { ifNoneMatch: '*' },
      );
      if (next) return { claim: { record: claimed, etag: next, reDelivery: reopened } };
      // Lost the race: another invocation claimed it a moment ago. Try the next chunk, but count this one
      // as held (looked at again after a poll): were it left out, an invocation that finds no other open
      // chunk would end, and nobody would be waiting to take the chunk over if its winner dies.
      const recheck = Date.now() + WAIT_POLL_MS;
      if (!held || recheck < held.heldUntil) held = { heldUntil: recheck };
    }
    return held;
  }

  /**
   * Waits a moment before the next claim, when every open chunk is held: at most WAIT_POLL_MS, less
   * when the earliest lease ends sooner. Any chunk may be released meanwhile (its owner stopped), so
   * the next claim looks at every open chunk again: few, since only held ones remain.
   */
  async pause(heldUntil: number, until: number): Promise<void> {
    const ms = Math.min(WAIT_POLL_MS, heldUntil - Date.now(), until - Date.now());
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
