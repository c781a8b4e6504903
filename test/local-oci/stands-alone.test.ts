import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The local OCI judges the function's calls; it must share none of the function's code (its policy
// reader, errors, config), or a bug there would pass its own judge. It may import Node's modules
// and npm packages, and its own files.

const ROOT = resolve(__dirname, '..', '..');
const LOCAL_OCI = join(ROOT, 'src', 'local-oci');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Every relative import (static, dynamic, require, or `import('…')` type) in a text, resolved from `file`. */
function relativeImports(file: string, text = readFileSync(file, 'utf8')): string[] {
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](\.{1,2}\/[^'"]*)['"]/g)].map((m) => m[1] ?? '');
  return specifiers.map((specifier) => resolve(dirname(file), specifier));
}

describe('the local OCI stands on its own', () => {
  it('imports nothing from outside src/local-oci (no function code: core, oci, triggers, support, config, setup, deploy)', () => {
    // Prepare
    const files = sources(LOCAL_OCI);
    // Act
    const outside = files.flatMap((file) =>
      relativeImports(file)
        .filter((target) => relative(LOCAL_OCI, target).startsWith('..'))
        .map((target) => `${relative(ROOT, file)} -> ${relative(ROOT, target)}`),
    );
    // Assess
    expect(files.length).toBeGreaterThan(40);
    expect(outside).toEqual([]);
  });

  it('would see an import from outside (the check reads real import lines)', () => {
    // Prepare: a line as the authorizer once had it
    const file = join(LOCAL_OCI, 'authz', 'authorizer.ts');
    const line = "import { parseStatement } from '../../core/policy/parser';";
    // Act
    const found = relativeImports(file, line).map((target) => relative(LOCAL_OCI, target));
    // Assess
    expect(found).toEqual([join('..', 'core', 'policy', 'parser')]);
  });
});
