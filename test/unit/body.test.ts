import { describe, expect, it } from 'vitest';
import { bodyBytes, decodeBody, MAX_BODY_BYTES } from '../../src/triggers/body';

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => Buffer.from(p as string)));

describe('request bodies', () => {
  it('decodes UTF-8 once, whole: 3- and 4-byte characters, a BOM dropped', () => {
    expect(decodeBody(bytes('\uFEFF{"givenName":"明日香 😀"}'))).toBe('{"givenName":"明日香 😀"}');
    expect(decodeBody(bodyBytes('{"a":"é"}'))).toBe('{"a":"é"}');
    expect(decodeBody(bodyBytes(undefined))).toBe('');
  });

  it.each([
    ['a lone 0xFF', [0xff], 'byte 0xFF is not UTF-8'],
    ['0xC3 0x28', [0xc3, 0x28], 'byte 0xC3 starts a character that 0x28 does not continue'],
    ['an overlong "/"', [0xc0, 0xaf], 'byte 0xC0 is an overlong form'],
    ['an overlong 3-byte "/"', [0xe0, 0x80, 0xaf], 'byte 0xE0 starts a character that 0x80 does not continue'],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 'byte 0xF4 starts a character that 0x90 does not continue'],
  ])('rejects %s with its byte offset, line and column, never as U+FFFD', (_label, bad, reason) => {
    // Prepare: the bad bytes on line 2, after a 3-byte character
    const body = bytes('{\n "givenName": "明', bad, '"}');
    // Act / Assess
    expect(() => decodeBody(body)).toThrow(
      expect.objectContaining({
        code: 'INVALID_EVENT',
        message: 'The request body is not valid UTF-8',
        problems: [{ path: '(body)', message: `${reason}, at byte offset 20 (line 2, column 17)` }],
      }),
    );
  });

  it('refuses a body over the 6 MB invoke limit before decoding it', () => {
    expect(() => decodeBody(new Uint8Array(MAX_BODY_BYTES + 1))).toThrow(
      expect.objectContaining({ code: 'INVALID_EVENT', message: 'The request body is too large' }),
    );
  });
});
