import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The project root: commands run from there, as npm runs them. */
export const ROOT = join(__dirname, '..', '..');

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `src/cli/<command>.ts` as a person would (node with the tsx loader, as `npm run` does through
 * tsx), in its own temporary folder (TMPDIR) so that leftovers can be counted.
 */
export function spawnCommand(command: string, args: readonly string[], options: { env?: Record<string, string>; tmp?: string } = {}) {
  const tmp = options.tmp ?? mkdtempSync(join(tmpdir(), 'cli-test-'));
  const env: Record<string, string | undefined> = { ...process.env, TMPDIR: tmp, ...options.env };
  delete env.INIT_CWD;
  delete env.SHOW_LOGS;
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', `${command}.ts`), ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const finished = new Promise<Finished>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, tmp, finished, stdout: () => stdout };
}

/** Runs a command to its end. */
export async function run(command: string, args: readonly string[], options: { env?: Record<string, string> } = {}) {
  const started = spawnCommand(command, args, options);
  const result = await started.finished;
  const leftovers = credentialFolders(started.tmp);
  rmSync(started.tmp, { recursive: true, force: true });
  return { ...result, leftovers };
}

/** The local OCI's credential folders (admin key, RPST, keys) still present under `tmp`. */
export function credentialFolders(tmp: string): string[] {
  return readdirSync(tmp).filter((name) => name.startsWith('local-oci-'));
}

/** Waits until the child has written a whole first line on stdout. */
export async function firstLine(started: { child: ChildProcess; stdout: () => string; finished: Promise<Finished> }): Promise<string> {
  for (let waited = 0; waited < 20_000; waited += 50) {
    const text = started.stdout();
    if (text.includes('\n')) return text.slice(0, text.indexOf('\n'));
    if (started.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const end = await Promise.race([started.finished, new Promise((resolve) => setTimeout(resolve, 10))]);
  throw new Error(`no first line from the command: ${JSON.stringify(end)}`);
}
