import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Finished, firstLine, run, spawnCommand } from './run';

const EVENT = 'examples/new-hire.json';

// invoke against a running local-oci (found by URL or state file), with an exit code per status.
describe('invoke exit codes, against a running local-oci', () => {
  let local: ReturnType<typeof spawnCommand>;
  let state: { endpoint: string; stateFile: string };
  beforeAll(async () => {
    local = spawnCommand('local-oci', ['--quiet']);
    state = JSON.parse(await firstLine(local)) as typeof state;
  });
  afterAll(async () => {
    local.child.kill('SIGTERM');
    await local.finished;
  });
  const steps = (end: Finished) => (JSON.parse(end.stdout) as { steps: { outcome: string }[] }).steps.map((s) => s.outcome);

  it('0 for a hire, and 0 for its replay, which writes nothing (URL, then state file)', async () => {
    const first = await run('invoke', ['--local-oci', state.endpoint, EVENT]);
    expect(first.code).toBe(0);
    expect(steps(first)).toContain('created');
    const replay = await run('invoke', ['--local-oci', state.stateFile, EVENT]);
    expect(replay.code).toBe(0);
    expect(new Set(steps(replay))).toEqual(new Set(['unchanged']));
  });

  it('3 for a rejected event, 5 for an ignored one and for a duplicate ONS delivery', async () => {
    const [rejected, ignored] = await Promise.all([
      run('invoke', ['--local-oci', state.stateFile, 'test/fixtures/events/new-hire-invalid.json']),
      run('invoke', ['--local-oci', state.stateFile, 'test/fixtures/envelopes/oci-event-deleteobject.json']),
    ]);
    expect([rejected.code, JSON.parse(rejected.stdout).status]).toEqual([3, 'rejected']);
    expect([ignored.code, JSON.parse(ignored.stdout).status]).toEqual([5, 'ignored']);
    const delivery = ['--local-oci', state.endpoint, '--header', 'X-OCI-NS-MessageId:cli-test-1', EVENT];
    expect((await run('invoke', delivery)).code).toBe(0);
    const again = await run('invoke', delivery);
    expect([again.code, JSON.parse(again.stdout).status]).toEqual([5, 'duplicate']);
  });

  it('1 for a failed result (no usable config), 2 for a local OCI that is not there', async () => {
    const [failed, missing] = await Promise.all([
      run('invoke', ['--no-local', EVENT], { env: { ONS_TOPIC_ID: '', OCI_CONFIG_FILE: '/nonexistent' } }),
      run('invoke', ['--local-oci', 'http://127.0.0.1:9', EVENT]),
    ]);
    expect([failed.code, JSON.parse(failed.stdout).status]).toEqual([1, 'failed']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^invoke: no local OCI answers at http:\/\/127\.0\.0\.1:9/);
  });
});
