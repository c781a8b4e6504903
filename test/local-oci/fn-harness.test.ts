import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { FunctionDiedError, type RunningFunction, startFunction } from '@oci-iam-onboarding/local-oci/fn-harness';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixturePath } from '../helpers';

describe('Fn harness', () => {
  let fn: RunningFunction | undefined;
  afterEach(async () => {
    await fn?.stop();
    fn = undefined;
  });

  it('runs a function as the Fn agent does and returns status, headers and body', async () => {
    fn = await startFunction({ entry: fixturePath('functions', 'echo.js'), env: { GREETING: 'hi' } });
    const response = await fn.invoke('payload', {
      callId: 'CALL-1',
      contentType: 'text/plain',
      deadlineMs: 5000,
      headers: { 'X-OCI-NS-MessageId': 'msg-1', 'Fn-Intent': 'httprequest' },
    });
    expect(response.status).toBe(200);
    expect(response.headers['fn-fdk-version']).toMatch(/fdk-node/);
    expect(response.json).toMatchObject({
      input: 'payload',
      callId: 'CALL-1',
      contentType: 'text/plain',
      nsMessageId: 'msg-1',
      intent: 'httprequest',
      config: 'hi',
    });
    const deadline = Date.parse((response.json as { deadline: string }).deadline);
    expect(deadline - Date.now()).toBeGreaterThan(3000);
  });

  it('runs the function on the Node named by FN_NODE, or on this one', async () => {
    fn = await startFunction({ entry: fixturePath('functions', 'echo.js') });
    const expected = process.env.FN_NODE ? execFileSync(process.env.FN_NODE, ['--version'], { encoding: 'utf8' }).trim() : process.version;
    expect(((await fn.invoke('x')).json as { node: string }).node).toBe(expected);
  });

  it('notices a function process that died and says so on every later call', async () => {
    fn = await startFunction({ entry: fixturePath('functions', 'echo.js') });
    await expect(fn.invoke('die')).rejects.toBeInstanceOf(FunctionDiedError);
    expect(fn.exit()).toBeDefined();
    await expect(fn.invoke('again')).rejects.toThrow(/dead/);
  });

  it('keeps what a function writes, or hands each line to onLine and keeps only the last of stderr', async () => {
    // Prepare
    fn = await startFunction({ entry: fixturePath('functions', 'echo.js') });
    const seen: string[] = [];
    const streaming = await startFunction({
      entry: fixturePath('functions', 'echo.js'),
      onLine: (line, stream) => seen.push(`${stream} ${line}`),
    });
    try {
      // Act
      await fn.invoke('say kept');
      for (let i = 0; i < 120; i += 1) await streaming.invoke(`say line ${i}`);
      // A line reaches the pipe after its call's answer: wait for the last one.
      await vi.waitFor(() => expect(seen).toContain('stderr err: line 119'), { timeout: 5000 });
      // Assess
      expect(fn.stdout).toContain('out: kept');
      expect(fn.stderr).toContain('err: kept');
      expect(seen).toContain('stdout out: line 0');
      expect(seen).toContain('stderr err: line 119');
      expect(seen.filter((line) => line.startsWith('stdout out: '))).toHaveLength(120);
      expect(streaming.stdout).toEqual([]);
      expect(streaming.stderr.length).toBeLessThanOrEqual(100);
      expect(streaming.stderr.at(-1)).toBe('err: line 119');
    } finally {
      await streaming.stop();
    }
  });

  it('reports a function that exits before listening', async () => {
    await expect(startFunction({ entry: fixturePath('functions', 'no-such-file.js') })).rejects.toThrow(/exited before listening/);
  });

  it('stops cleanly, leaving no socket behind', async () => {
    const running = await startFunction({ entry: fixturePath('functions', 'echo.js') });
    expect(existsSync(running.socketPath)).toBe(true);
    await running.stop();
    expect(running.exit()).toBeDefined();
    expect(existsSync(running.socketPath)).toBe(false);
    expect(existsSync(dirname(running.socketPath))).toBe(false);
  });
});
