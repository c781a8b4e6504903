import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/support/logger';
import { SecretValue } from '../../src/support/secret';

describe('logger', () => {
  it('writes one JSON line per record with the bound call id', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (line) => lines.push(line) }).child({ callId: 'C1' });
    log.info('hello', { n: 1 });
    log.debug('hidden at info level');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 'info', callId: 'C1', n: 1, msg: 'hello' });
  });

  it('never prints a SecretValue or a value under a sensitive key, at any depth', () => {
    const canary = 'Canary-Pw-8f2d!';
    const lines: string[] = [];
    const log = createLogger({ write: (line) => lines.push(line) });
    log.info('attempt', {
      secret: new SecretValue(canary),
      nested: { deeper: [{ password: canary }, { value: new SecretValue(canary) }] },
      headers: { authorization: `Signature keyId="ST$${canary}"` },
      privateKeyPem: canary,
      rpst: canary,
    });
    expect(lines.join('')).not.toContain(canary);
    expect(lines.join('')).toContain('[REDACTED]');
  });
});

describe('SecretValue', () => {
  it('reveals only on request', () => {
    const secret = new SecretValue('hunter2');
    expect(`${secret}`).toBe('[REDACTED]');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[REDACTED]"}');
    expect(inspect({ secret })).not.toContain('hunter2');
    expect(secret.reveal()).toBe('hunter2');
  });
});
