// `npm run build`: bundles func.ts into dist/func.js and writes the licence notices of every
// third-party package the bundle contains beside it. The tests build through the same function
// (test/global-setup.ts), so what they run is what the Dockerfile ships.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';

const root = join(__dirname, '..');

/** Where the bundle and its notices go. */
export const BUNDLE = { file: join(root, 'dist', 'func.js'), notices: join(root, 'dist', 'THIRD-PARTY-NOTICES.txt') } as const;

/**
 * `node-fetch` (required by oci-common through isomorphic-fetch, which leaves a global fetch alone, and
 * by the instance-principal certificate fetcher a function never uses) becomes Node's own fetch. The SDK
 * uses the global fetch on Node 18 and later anyway; node-fetch only pulled in whatwg-url and tr46, and
 * tr46's `require("punycode")` made every cold start on Node 22 log "DEP0040 The `punycode` module is
 * deprecated".
 */
export const BUILT_IN_FETCH: Plugin = {
  name: 'built-in-fetch',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^node-fetch$/ }, () => ({ path: 'node-fetch', namespace: 'built-in-fetch' }));
    esbuild.onLoad({ filter: /.*/, namespace: 'built-in-fetch' }, () => ({
      contents: [
        'const fetch = (...args) => globalThis.fetch(...args);',
        'module.exports = Object.assign(fetch, { default: fetch, Headers: globalThis.Headers, Request: globalThis.Request, Response: globalThis.Response });',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/**
 * The bundle as deployed. Not minified: `npm run bench:bundle` measured no cold-start gain from
 * minifying (socket listening 660 vs 670 ms, first invocation 1,612 vs 1,531 ms, medians of 11 runs
 * on a busy 2-core machine; two other runs agreed within their noise), only a smaller file (2.5 MB
 * against 5.2 MB, next to a Node base image of over 100 MB), while an unminified bundle keeps the
 * function's stack traces readable in its logs.
 */
export const BUNDLE_OPTIONS: BuildOptions = {
  entryPoints: [join(root, 'func.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  outfile: BUNDLE.file,
  // Licence texts go to the notices file, whole, instead of scattered comments.
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  plugins: [BUILT_IN_FETCH],
};

export interface BundledPackage {
  readonly name: string;
  readonly version: string;
  readonly license: string;
  /** Licence, notice and third-party files shipped in the package, by file name. */
  readonly texts: readonly { readonly file: string; readonly text: string }[];
}

const NOTICE_FILE = /^(licen[cs]e|copying|notice|third[-_]party[-_]licen[cs]es)(\..*)?$/i;

/** The package folders (`node_modules/a`, `node_modules/@s/b`, nested ones too) the metafile's inputs come from. */
export function packageDirsOf(metafile: Metafile): string[] {
  const dirs = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const parts = input.split(/[\\/]/);
    const at = parts.lastIndexOf('node_modules');
    if (at < 0) continue;
    const length = parts[at + 1]?.startsWith('@') ? 3 : 2;
    dirs.add(parts.slice(0, at + length).join(sep));
  }
  return [...dirs].sort();
}

/** Reads each package's name, version, declared licence and licence files. */
export function bundledPackages(metafile: Metafile, cwd: string = root): BundledPackage[] {
  return packageDirsOf(metafile).map((dir) => {
    const abs = join(cwd, dir);
    const manifest = JSON.parse(readFileSync(join(abs, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      license?: string | { type?: string };
    };
    const texts = readdirSync(abs)
      .filter((file) => NOTICE_FILE.test(file))
      .sort()
      .map((file) => ({ file, text: readFileSync(join(abs, file), 'utf8').trim() }));
    const license = typeof manifest.license === 'string' ? manifest.license : (manifest.license?.type ?? 'UNKNOWN');
    return { name: manifest.name, version: manifest.version, license, texts };
  });
}

/** The notices file: one section per package, with every licence and notice text it ships. */
export function noticesText(packages: readonly BundledPackage[]): string {
  const rule = '='.repeat(78);
  const header = [
    'Third-party software in func.js',
    '',
    `func.js bundles the following ${packages.length} packages. Their licence and notice files follow, as each package ships them.`,
    '',
    ...packages.map((p) => `  ${p.name}@${p.version} (${p.license})`),
  ];
  const sections = packages.map((p) =>
    [
      rule,
      `${p.name}@${p.version}  licence: ${p.license}`,
      rule,
      ...(p.texts.length === 0
        ? [`The package ships no licence file; its package.json declares "${p.license}".`]
        : p.texts.flatMap((t) => [`--- ${t.file} ---`, t.text, ''])),
    ].join('\n'),
  );
  return `${[...header, '', ...sections].join('\n')}\n`;
}

/** Builds the bundle and its notices; returns the metafile. */
export async function buildBundle(overrides: Partial<BuildOptions> = {}): Promise<Metafile> {
  const options = { ...BUNDLE_OPTIONS, ...overrides };
  const result = await build(options);
  if (!result.metafile) throw new Error('esbuild returned no metafile');
  const outfile = options.outfile ?? BUNDLE.file;
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(join(dirname(outfile), 'THIRD-PARTY-NOTICES.txt'), noticesText(bundledPackages(result.metafile)));
  writeFileSync(`${outfile}.meta.json`, JSON.stringify(result.metafile));
  return result.metafile;
}

if (require.main === module) {
  buildBundle().then(
    (metafile) => {
      const packages = packageDirsOf(metafile).length;
      const bytes = Object.values(metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
      process.stdout.write(
        `${relative(root, BUNDLE.file)}: ${(bytes / 1e6).toFixed(2)} MB, ${packages} third-party packages in ${relative(root, BUNDLE.notices)}\n`,
      );
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
