// The local OCI answers lookups by name, by OCID and by owner from secondary indexes, so that a call
// costs the same with 100 users as with 100,000 (a bulk upload otherwise slows as the tenancy fills).
// The indexes live in the Map itself: tests that seed the state with `set` and `delete` keep them right.

/** How an index files a value: one key, several keys, or none (undefined). */
export type IndexKeys<V> = (value: V) => string | readonly string[] | undefined;

const keysOf = <V>(keysFor: IndexKeys<V>, value: V): readonly string[] => {
  const keys = keysFor(value);
  return keys === undefined ? [] : typeof keys === 'string' ? [keys] : keys;
};

/**
 * A Map with secondary indexes, kept in step by `set`, `delete` and `clear`. The fields an index reads
 * must not change while the value is stored (names, OCIDs and owners never do in these APIs); a value
 * whose indexed field changes must be set again. Values an index finds come in the Map's order (but for
 * a value set again under a new index key, which comes last under that key).
 */
export class IndexedMap<K, V, I extends string = string> extends Map<K, V> {
  readonly #indexes = new Map<I, { keysFor: IndexKeys<V>; buckets: Map<string, Map<K, V>> }>();

  constructor(indexes: Record<I, IndexKeys<V>>) {
    super();
    for (const [name, keysFor] of Object.entries(indexes) as [I, IndexKeys<V>][]) this.#indexes.set(name, { keysFor, buckets: new Map() });
  }

  override set(key: K, value: V): this {
    const old = super.get(key);
    super.set(key, value);
    for (const { keysFor, buckets } of this.#indexes.values()) {
      const keys = keysOf(keysFor, value);
      if (old !== undefined) {
        for (const oldKey of keysOf(keysFor, old)) if (!keys.includes(oldKey)) this.#drop(buckets, oldKey, key);
      }
      // A key already filed keeps its place in the bucket, as Map.set keeps a present key in its place.
      for (const indexKey of keys) {
        const bucket = buckets.get(indexKey) ?? new Map<K, V>();
        buckets.set(indexKey, bucket);
        bucket.set(key, value);
      }
    }
    return this;
  }

  override delete(key: K): boolean {
    const old = super.get(key);
    if (old !== undefined) this.#unfile(key, old);
    return super.delete(key);
  }

  override clear(): void {
    for (const { buckets } of this.#indexes.values()) buckets.clear();
    super.clear();
  }

  /** The values the index files under `indexKey`, in the Map's order. */
  find(index: I, indexKey: string): V[] {
    const bucket = this.#indexes.get(index)?.buckets.get(indexKey);
    return bucket ? [...bucket.values()] : [];
  }

  /** The first value the index files under `indexKey`. */
  findOne(index: I, indexKey: string): V | undefined {
    return this.find(index, indexKey)[0];
  }

  #unfile(key: K, value: V): void {
    for (const { keysFor, buckets } of this.#indexes.values()) {
      for (const indexKey of keysOf(keysFor, value)) this.#drop(buckets, indexKey, key);
    }
  }

  #drop(buckets: Map<string, Map<K, V>>, indexKey: string, key: K): void {
    const bucket = buckets.get(indexKey);
    bucket?.delete(key);
    if (bucket?.size === 0) buckets.delete(indexKey);
  }
}

/** IAM names compare without regard to case: the key an index of names files them under. */
export const foldName = (name: string): string => name.toLowerCase();
