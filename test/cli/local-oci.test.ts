import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialFolders, firstLine, ROOT, run, spawnCommand } from './run';

/** Starts `npm run local-oci` and reads the state line it prints. */
async function startLocalOciCommand() {
  const started = spawnCommand('local-oci', ['--quiet']);
  const state = JSON.parse(await firstLine(started)) as {
    endpoint: string;
    stateFile: string;
    configFile: string;
    functionEnv: Record<string, string>;
  };
  return { ...started, state };
}

// No path may leave the admin key, the RPST or its key behind: a port in use, a crash, Ctrl-C, SIGTERM.
describe.concurrent('local-oci leaves no credential files behind', () => {
  it('on a port already in use: one line, exit 2, no folder', async () => {
    // Prepare: hold a port.
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      // Act
      const { code, stderr, leftovers } = await run('local-oci', ['--port', String(port)]);

      // Assess
      expect(code).toBe(2);
      expect(stderr).toBe(`local-oci: port ${port} is in use; choose another, or 0 for a free one; see --help\n`);
      expect(leftovers).toEqual([]);
    } finally {
      holder.close();
    }
  });

  for (const [signal, exitCode] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`on ${signal}: the folder goes, exit ${exitCode}; the state line holds paths, never a key`, async () => {
      // Prepare
      const local = await startLocalOciCommand();
      const dir = join(local.state.configFile, '..');
      expect(readFileSync(join(dir, 'admin_api_key.pem'), 'utf8')).toMatch(/PRIVATE KEY/);
      expect(local.stdout()).not.toMatch(/PRIVATE KEY|eyJ/);
      expect(JSON.parse(readFileSync(local.state.stateFile, 'utf8'))).toEqual(local.state);
      // A real catalog in the function's config, not a placeholder.
      expect(Object.keys(JSON.parse(local.state.functionEnv.ROLE_CATALOG ?? '{}').roles)).toContain('developer');

      // Act
      local.child.kill(signal);
      const end = await local.finished;

      // Assess
      expect(end.code).toBe(exitCode);
      expect(existsSync(dir)).toBe(false);
      expect(credentialFolders(local.tmp)).toEqual([]);
      rmSync(local.tmp, { recursive: true, force: true });
    });
  }

  it('on a crash (an uncaught error after start)', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cli-test-'));
    const { spawnSync } = await import('node:child_process');
    const crashed = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'crash-after-start.ts')], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tmp },
      encoding: 'utf8',
    });
    expect(crashed.status).toBe(1);
    expect(crashed.stderr).toMatch(/crash on purpose/);
    expect(crashed.stdout.trim()).toMatch(/local-oci-/);
    expect(credentialFolders(tmp)).toEqual([]);
    rmSync(tmp, { recursive: true, force: true });
  });
});
