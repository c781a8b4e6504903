import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SCRIPT = join(__dirname, 'write-object.ts');

describe('the Object Storage adapter', () => {
  let oci: LocalOci | undefined;
  afterEach(async () => {
    await oci?.stop();
    oci = undefined;
  });

  // The SDK tests a body for emptiness with Object.keys: one key per byte of a Buffer or string. A
  // 4 MiB report segment then aborted the function under its 128 MB heap, every time it was retried.
  it.each(['bytes', 'text'] as const)('writes an object of 8 MiB, given as %s, from a process with a 48 MB heap', async (as) => {
    // Prepare
    oci = await startLocalOci();
    oci.state.buckets.set('reports', new Map());
    const size = 8 * 1024 * 1024;
    const args = [oci.credentials.files.configFile, oci.endpoint, oci.state.namespace, 'reports', 'big.csv', String(size), as];
    // Act
    const { stdout } = await run(process.execPath, ['--max-old-space-size=48', '--import', 'tsx', SCRIPT, ...args], {
      cwd: join(__dirname, '..', '..'),
    });
    // Assess
    expect(stdout.trim()).toBe(`wrote ${size}`);
    const stored = oci.state.buckets.get('reports')?.get('big.csv')?.body;
    expect(stored?.length).toBe(size);
    expect(stored?.every((byte) => byte === 97)).toBe(true);
  });

  it('writes an empty object (the SDK sends no body; an empty stream would never end)', async () => {
    // Prepare
    oci = await startLocalOci();
    oci.state.buckets.set('reports', new Map());
    const args = [oci.credentials.files.configFile, oci.endpoint, oci.state.namespace, 'reports', 'empty.csv', '0', 'bytes'];
    // Act
    const { stdout } = await run(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
      cwd: join(__dirname, '..', '..'),
      timeout: 20_000,
    });
    // Assess
    expect(stdout.trim()).toBe('wrote 0');
    expect(oci.state.buckets.get('reports')?.get('empty.csv')?.body.length).toBe(0);
  });
});
