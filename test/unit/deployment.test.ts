import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTION_NODE_ARGS } from '../../src/local-oci/fn-harness';

const root = join(__dirname, '..', '..');

describe('deployment files', () => {
  it('runs the container with the Node flags the harness and the benchmark use', () => {
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(entrypoint ?? '[]')).toEqual(['node', ...FUNCTION_NODE_ARGS, 'func.js']);
  });

  it('declares memory and timeout within what OCI Functions offers', () => {
    const yaml = readFileSync(join(root, 'func.yaml'), 'utf8');
    expect(yaml).toMatch(/^schema_version: 20180708$/m);
    expect([128, 256, 512, 1024, 2048, 3072]).toContain(Number(/^memory: (\d+)$/m.exec(yaml)?.[1]));
    expect(Number(/^timeout: (\d+)$/m.exec(yaml)?.[1])).toBeLessThanOrEqual(300);
  });

  it('never loads the oci-sdk umbrella package', () => {
    const bundle = readFileSync(join(root, 'dist', 'func.js'), 'utf8');
    const ociPackages = new Set([...bundle.matchAll(/\/\/ node_modules\/(oci-[a-z]+)\//g)].map((m) => m[1]));
    expect([...ociPackages].sort()).toEqual([
      'oci-common',
      'oci-identity',
      'oci-identitydomains',
      'oci-objectstorage',
      'oci-ons',
      'oci-secrets',
    ]);
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies['oci-sdk']).toBeUndefined();
  });
});
