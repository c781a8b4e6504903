// The command-line contract every command of this project keeps: `node:util` parseArgs in strict
// mode (an unknown or misspelt flag is an error, never ignored), `-h`/`--help` on every command, a
// bad argument answered with one line on stderr and exit code 2, and cleanup that runs on Ctrl-C
// and SIGTERM. parseArgs is Node's own parser: no dependency, and strict by construction.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** One option of a command, as parseArgs takes it plus what `--help` shows. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** The placeholder `--help` shows for a string option's value, e.g. `N` or `FILE`. */
  readonly value?: string;
  readonly description: string;
}

/** A command: its name, usage line, options, how many positional arguments it takes, and notes for `--help`. */
export interface CommandSpec<O extends Readonly<Record<string, OptionSpec>>> {
  /** The name errors start with, e.g. `invoke`. */
  readonly name: string;
  /** How to call it, e.g. `npm run invoke -- [options] <event.json | ->`. */
  readonly usage: string;
  readonly summary: string;
  readonly options: O;
  readonly positionals?: { readonly min: number; readonly max: number; readonly label: string };
  /** Extra paragraphs for `--help`, such as exit codes. */
  readonly notes?: readonly string[];
}

/**
 * Declares a command, keeping its option names and types for `runCommand`'s parsed values.
 * @example const spec = defineCommand({ name: 'x', usage: 'x [--port N]', summary: '…', options: { port: { type: 'string', description: '…' } } });
 */
export function defineCommand<const O extends Readonly<Record<string, OptionSpec>>>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? S['multiple'] extends true
    ? boolean[]
    : boolean
  : S['multiple'] extends true
    ? string[]
    : string;

/** Parsed option values: absent options are undefined. */
export type OptionValues<O extends Readonly<Record<string, OptionSpec>>> = { readonly [K in keyof O]?: ValueOf<O[K]> };

/** What a command's main function receives. */
export interface ParsedCommandLine<O extends Readonly<Record<string, OptionSpec>>> {
  readonly values: OptionValues<O>;
  readonly positionals: readonly string[];
}

/** A bad argument: the command prints `<name>: <message>` on one line and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit codes shared by every command. */
export const CommonExit = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
} as const;

const HELP: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help and exit' };

/** The `--help` text of a command. */
export function helpText<O extends Readonly<Record<string, OptionSpec>>>(spec: CommandSpec<O>): string {
  const rows = Object.entries({ ...spec.options, help: HELP }).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : '    '}--${name}${option.type === 'string' ? ` ${option.value ?? 'VALUE'}` : ''}`;
    return { flag, description: `${option.description}${option.multiple ? ' (repeatable)' : ''}` };
  });
  const width = Math.max(...rows.map((r) => r.flag.length)) + 2;
  return [
    `usage: ${spec.usage}`,
    '',
    spec.summary,
    '',
    'options:',
    ...rows.map((r) => `  ${r.flag.padEnd(width)}${r.description}`),
    ...(spec.notes ?? []).flatMap((note) => ['', note]),
    '',
  ].join('\n');
}

/** Edit distance with transpositions (`--prot` is one step from `--port`), for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

function suggestion(flag: string, names: readonly string[]): string {
  const bare = flag.replace(/^-+/, '').split('=')[0] ?? '';
  const best = names
    .map((name) => ({ name, d: distance(bare, name) }))
    .filter((c) => c.d <= Math.max(1, Math.floor(c.name.length / 3)))
    .sort((x, y) => x.d - y.d)[0];
  return best ? ` (did you mean --${best.name}?)` : '';
}

/**
 * Parses `argv` strictly against `spec`. Returns undefined when `--help` was asked for (the help is
 * printed); throws UsageError on anything the command does not take.
 * @example const args = parseCommandLine(spec, ['--port', '18090']);
 */
export function parseCommandLine<O extends Readonly<Record<string, OptionSpec>>>(
  spec: CommandSpec<O>,
  argv: readonly string[],
): ParsedCommandLine<O> | undefined {
  const options = Object.fromEntries(
    Object.entries({ ...spec.options, help: HELP }).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: (spec.positionals?.max ?? 0) > 0 });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(message)?.[1] ?? '';
      // `-h` anywhere still shows the help, even next to a typo.
      if (argv.includes('-h') || argv.includes('--help')) return showHelp(spec);
      throw new UsageError(`unknown option ${flag}${suggestion(flag, Object.keys(options))}`);
    }
    if (argv.includes('-h') || argv.includes('--help')) return showHelp(spec);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
      throw new UsageError(`unexpected argument ${/'([^']+)'/.exec(message)?.[1] ?? ''}`);
    throw new UsageError(message.replace(/^Option /, 'option ').split('\n')[0] ?? message);
  }
  const values = parsed.values as Record<string, unknown>;
  if (values.help === true) return showHelp(spec);
  const positionals = parsed.positionals;
  const { min = 0, max = 0, label = 'argument' } = spec.positionals ?? {};
  if (positionals.length < min) throw new UsageError(`missing ${label}`);
  if (positionals.length > max) throw new UsageError(`unexpected argument ${positionals[max]}`);
  delete values.help;
  return { values: values as OptionValues<O>, positionals };
}

function showHelp(spec: CommandSpec<Readonly<Record<string, OptionSpec>>>): undefined {
  process.stdout.write(helpText(spec));
  return undefined;
}

/**
 * An integer argument within bounds, or a UsageError naming the option.
 * @example const port = integerArg('--port', values.port ?? '0', { min: 0, max: 65535 });
 */
export function integerArg(option: string, text: string, bounds: { min: number; max: number }): number {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max)
    throw new UsageError(`${option} takes a whole number from ${bounds.min} to ${bounds.max}, not "${text}"`);
  return value;
}

/** A path the user typed, resolved where they typed it (npm runs scripts from the project root). */
export const userPath = (path: string) => resolve(process.env.INIT_CWD ?? process.cwd(), path);

/**
 * The content of a file named on the command line (`-` is standard input); a file that cannot be
 * read is a UsageError naming it, not a stack trace.
 */
export function readArgumentFile(path: string): Buffer {
  try {
    return readFileSync(path === '-' ? 0 : userPath(path));
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : code === 'EACCES' ? 'permission denied' : code;
    throw new UsageError(`cannot read ${path}: ${why ?? 'unreadable'}`);
  }
}

type Cleanup = () => Promise<unknown> | unknown;
const cleanups = new Set<Cleanup>();

/**
 * Registers work that must run however the command ends: normally, by an error, or by Ctrl-C /
 * SIGTERM (e.g. stopping a local OCI, which removes its credential files). Returns an unregister.
 */
export function onShutdown(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

async function runCleanups(): Promise<void> {
  const pending = [...cleanups].reverse();
  cleanups.clear();
  // A cleanup that hangs must not keep the process alive: give them all three seconds.
  const all = Promise.allSettled(pending.map(async (cleanup) => cleanup()));
  await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
}

const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * Runs a command: parses its arguments, prints `--help`, runs `main` and exits with its code.
 * A UsageError prints one line and exits 2; any other error prints one line (`DEBUG=1` adds the
 * stack) and exits 1. Signals run the registered cleanups, then exit 128 + the signal number.
 * @example runCommand(spec, async ({ values }) => (values.verbose ? 0 : 1));
 */
export function runCommand<O extends Readonly<Record<string, OptionSpec>>>(
  spec: CommandSpec<O>,
  main: (args: ParsedCommandLine<O>) => Promise<number>,
  argv: readonly string[] = process.argv.slice(2),
): void {
  for (const [signal, code] of Object.entries(SIGNAL_EXIT)) {
    process.once(signal, () => {
      process.stderr.write(`${spec.name}: ${signal}, stopping\n`);
      runCleanups().then(() => process.exit(code));
    });
  }
  const finish = (code: number) => runCleanups().then(() => process.exit(code));
  let args: ParsedCommandLine<O> | undefined;
  try {
    args = parseCommandLine(spec, argv);
  } catch (error) {
    reportError(spec.name, error);
    process.exit(CommonExit.Usage);
  }
  if (!args) process.exit(CommonExit.Ok);
  main(args).then(finish, (error: unknown) => {
    reportError(spec.name, error);
    return finish(error instanceof UsageError ? CommonExit.Usage : CommonExit.Failed);
  });
}

function reportError(name: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`${name}: ${message.split('\n')[0]}${error instanceof UsageError ? '; see --help' : ''}`);
  if (process.env.DEBUG === '1' && error instanceof Error && error.stack) console.error(error.stack);
}
