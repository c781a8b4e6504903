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
 * A Map with secondary indexes, kept in step by `set`, `delete` and `clear`. Each entry remembers the
 * keys it was filed under, so a value whose indexed field changed (in place or as a new object) is
 * filed right once it is set again; until then the index answers from the old key. Names, OCIDs and
 * owners never change in these APIs. Values an index finds come in the Map's order (but for a value set
 * again under a new index key, which comes last under that key).
 */
export class IndexedMap<K, V, I extends string = string> extends Map<K, V> {
  readonly #indexes = new Map<I, { keysFor: IndexKeys<V>; buckets: Map<string, Map<K, V>>; filed: Map<K, readonly string[]> }>();

  constructor(indexes: Record<I, IndexKeys<V>>) {
    super();
    for (const [name, keysFor] of Object.entries(indexes) as [I, IndexKeys<V>][])
      this.#indexes.set(name, { keysFor, buckets: new Map(), filed: new Map() });
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    for (const { keysFor, buckets, filed } of this.#indexes.values()) {
      const keys = keysOf(keysFor, value);
      for (const oldKey of filed.get(key) ?? []) if (!keys.includes(oldKey)) this.#drop(buckets, oldKey, key);
      // A key already filed keeps its place in the bucket, as Map.set keeps a present key in its place.
      for (const indexKey of keys) {
        const bucket = buckets.get(indexKey) ?? new Map<K, V>();
        buckets.set(indexKey, bucket);
        bucket.set(key, value);
      }
      if (keys.length > 0) filed.set(key, keys);
      else filed.delete(key);
    }
    return this;
  }

  override delete(key: K): boolean {
    for (const { buckets, filed } of this.#indexes.values()) {
      for (const indexKey of filed.get(key) ?? []) this.#drop(buckets, indexKey, key);
      filed.delete(key);
    }
    return super.delete(key);
  }

  override clear(): void {
    for (const { buckets, filed } of this.#indexes.values()) {
      buckets.clear();
      filed.clear();
    }
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

  #drop(buckets: Map<string, Map<K, V>>, indexKey: string, key: K): void {
    const bucket = buckets.get(indexKey);
    bucket?.delete(key);
    if (bucket?.size === 0) buckets.delete(indexKey);
  }
}

/** IAM names compare without regard to case: the key an index of names files them under. */
export const foldName = (name: string): string => name.toLowerCase();
