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

  it('is a package of its own: everything outside it imports it by its name, never by a relative path', () => {
    // Prepare
    const manifest = JSON.parse(readFileSync(join(LOCAL_OCI, 'package.json'), 'utf8')) as { name: string };
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces?: string[] };
    const outsideFiles = ['src', 'test', 'scripts']
      .flatMap((dir) => sources(join(ROOT, dir)))
      .filter((f) => !f.startsWith(`${LOCAL_OCI}/`));
    // Act
    const relativeIn = outsideFiles.flatMap((file) =>
      relativeImports(file)
        .filter((target) => target === LOCAL_OCI || target.startsWith(`${LOCAL_OCI}/`))
        .map((target) => `${relative(ROOT, file)} -> ${relative(ROOT, target)}`),
    );
    const byName = outsideFiles.filter((file) => readFileSync(file, 'utf8').includes(`'${manifest.name}/`));
    // Assess
    expect(manifest.name).toBe('@oci-iam-onboarding/local-oci');
    expect(root.workspaces).toContain('src/local-oci');
    expect(relativeIn).toEqual([]);
    expect(byName.length).toBeGreaterThan(40);
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
