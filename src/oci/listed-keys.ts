/**
 * Which keys (an employee id, a user name) a listing of the tenancy's users holds, in 8 bytes a key: a
 * sorted array of 53-bit hashes. It answers "not in the listing" for certain and "in it" almost surely
 * (two keys share a hash about once in 10^10 look-ups at 100,000 users; a false "in it" costs one more
 * listing, never a wrong answer). Hand-written, in a few lines: a Set of the keys themselves would hold
 * every name of the tenancy, which is what the listing keeps only a chunk's people to avoid.
 */
export interface ListedKeys {
  has(key: string): boolean;
}

/** Collects the keys of one listing; `seal()` makes the set to ask. */
export function listedKeysBuilder(): { add(key: string): void; seal(): ListedKeys } {
  const hashes: number[] = [];
  return {
    add: (key) => void hashes.push(hash53(key)),
    seal: () => {
      const sorted = Float64Array.from(hashes).sort();
      hashes.length = 0;
      return { has: (key) => contains(sorted, hash53(key)) };
    },
  };
}

function contains(sorted: Float64Array, value: number): boolean {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const at = sorted[middle] ?? 0;
    if (at === value) return true;
    if (at < value) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/** Two FNV-1a passes with different starting values, joined into an integer that a double holds exactly. */
function hash53(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x01000193) ^ (b >>> 15);
  }
  return (b >>> 11) * 2 ** 32 + (a >>> 0);
}
