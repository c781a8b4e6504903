// `npm run invoke -- <file | ->`: like `fn invoke`, against the local OCI (or, with --no-local, the config in the environment).
import { readFileSync } from 'node:fs';
import { startFunction } from '../local-oci/fn-harness';
import { startLocalStack } from '../local-oci/stack';
import { bundlePath, out, userPath } from './print';

const usage = 'usage: npm run invoke -- <event.json | -> [--content-type TYPE] [--header Name:Value]... [--no-local]';

async function main(argv: string[]): Promise<number> {
  const file = argv.find((a, i) => !a.startsWith('--') && !['--content-type', '--header'].includes(argv[i - 1] ?? ''));
  if (!file) {
    console.error(usage);
    return 2;
  }
  const body = readFileSync(file === '-' ? 0 : userPath(file));
  const contentType =
    argv[argv.indexOf('--content-type') + 1] && argv.includes('--content-type')
      ? argv[argv.indexOf('--content-type') + 1]
      : 'application/json';
  const headers: Record<string, string> = {};
  argv.forEach((arg, i) => {
    const value = argv[i + 1];
    if (arg === '--header' && value?.includes(':'))
      headers[value.slice(0, value.indexOf(':')).trim()] = value.slice(value.indexOf(':') + 1).trim();
  });
  const local = !argv.includes('--no-local');
  const stack = local ? await startLocalStack() : undefined;
  const env = stack
    ? stack.functionEnv
    : Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const fn = await startFunction({ entry: bundlePath(), env });
  try {
    const response = await fn.invoke(body, { contentType: contentType ?? 'application/json', headers });
    out(response.json === undefined ? response.body : JSON.stringify(response.json, null, 2));
    if (process.env.SHOW_LOGS === '1') for (const line of [...fn.stdout, ...fn.stderr]) console.error(line);
    return response.status === 200 ? 0 : 1;
  } finally {
    await fn.stop();
    await stack?.oci.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
