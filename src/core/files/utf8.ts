/** Where a byte sequence stops being UTF-8, and why. */
export interface Utf8Error {
  /** 0-based index of the first byte that cannot start or continue a character. */
  readonly index: number;
  readonly reason: string;
}

const hex = (byte: number) => `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * Finds the first byte where `bytes` is not well-formed UTF-8 (RFC 3629, as the WHATWG decoder reads
 * it: no overlong forms, no surrogates, nothing above U+10FFFF). Node's and the platform's decoders
 * say only that a sequence is invalid, not where: this is what lets a problem name its byte. It is
 * called only after a fatal decoder refused the bytes, so its speed does not matter.
 */
export function utf8ErrorAt(bytes: Uint8Array): Utf8Error | undefined {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) need = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      need = 2;
      if (lead === 0xe0) low = 0xa0; // E0 80..9F would be an overlong form
      if (lead === 0xed) high = 0x9f; // ED A0..BF would be a UTF-16 surrogate
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      need = 3;
      if (lead === 0xf0) low = 0x90; // F0 80..8F would be an overlong form
      if (lead === 0xf4) high = 0x8f; // F4 90.. would be above U+10FFFF
    } else {
      const why =
        lead === 0xc0 || lead === 0xc1 ? 'an overlong form' : lead >= 0x80 && lead <= 0xbf ? 'a stray continuation byte' : 'not UTF-8';
      return { index: i, reason: `byte ${hex(lead)} is ${why}` };
    }
    for (let k = 1; k <= need; k += 1) {
      const next = bytes[i + k];
      const min = k === 1 ? low : 0x80;
      const max = k === 1 ? high : 0xbf;
      if (next === undefined || next < min || next > max) {
        return {
          index: i,
          reason:
            next === undefined
              ? `byte ${hex(lead)} starts a character that is cut short`
              : `byte ${hex(lead)} starts a character that ${hex(next)} does not continue`,
        };
      }
    }
    i += need + 1;
  }
  return undefined;
}

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes well-formed UTF-8 or says where it is not; never answers U+FFFD for a bad byte. */
export function decodeUtf8(bytes: Uint8Array): { readonly text: string } | { readonly error: Utf8Error } {
  try {
    return { text: fatal.decode(bytes) };
  } catch {
    return { error: utf8ErrorAt(bytes) ?? { index: 0, reason: 'not UTF-8' } };
  }
}

/** The UTF-8 byte order mark, which a file may start with and which is not part of its first value. */
export const BOM = Uint8Array.of(0xef, 0xbb, 0xbf);

/** Whether `bytes` starts with `prefix`. */
export function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i += 1) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/**
 * Drops a leading UTF-8 BOM from a stream of chunks, which may split it: the first bytes are held
 * until three have arrived. `strip` returns the bytes to read now, or undefined while it holds them;
 * `held` gives what is still held when the stream ends (a file shorter than a BOM).
 */
export function bomStripper(): { strip(chunk: Uint8Array): Uint8Array | undefined; held(): Uint8Array } {
  let head: Uint8Array | undefined = new Uint8Array(0);
  return {
    strip(chunk) {
      if (head === undefined) return chunk;
      const joined = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      if (joined.length < BOM.length && BOM.subarray(0, joined.length).every((b, i) => joined[i] === b)) {
        head = joined;
        return undefined;
      }
      head = undefined;
      return startsWith(joined, BOM) ? joined.subarray(BOM.length) : joined;
    },
    held: () => head ?? new Uint8Array(0),
  };
}
