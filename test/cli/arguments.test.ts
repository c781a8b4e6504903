import { describe, expect, it } from 'vitest';
import { run } from './run';

// Every command parses strictly: -h helps, a typo or a bad value is one line on stderr and exit 2,
// and nothing is started (no credential folder appears).
describe.concurrent('command lines, as a person types them', () => {
  it('invoke -h prints the usage and the exit code of each status', async () => {
    const { code, stdout, stderr } = await run('invoke', ['-h']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: npm run invoke -- \[options\] <event\.json \| ->/);
    expect(stdout).toMatch(/--local-oci URL\|FILE/);
    expect(stdout).toMatch(/^ {2}3 {2}rejected/m);
    expect(stderr).toBe('');
  });

  it('invoke --nolocal is refused with a suggestion, not ignored', async () => {
    const { code, stdout, stderr, leftovers } = await run('invoke', ['--nolocal', 'examples/new-hire.json']);
    expect(code).toBe(2);
    expect(stderr).toBe('invoke: unknown option --nolocal (did you mean --no-local?); see --help\n');
    expect(stdout).toBe('');
    expect(leftovers).toEqual([]);
  });

  it('invoke names a missing event file in one line', async () => {
    const { code, stderr, leftovers } = await run('invoke', ['no-such-event.json']);
    expect(code).toBe(2);
    expect(stderr).toBe('invoke: cannot read no-such-event.json: no such file; see --help\n');
    expect(leftovers).toEqual([]);
  });

  it('invoke without an event says what is missing', async () => {
    const { code, stderr } = await run('invoke', []);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual(['invoke: missing the event file (or - for standard input); see --help']);
  });

  it('local-oci --prot is refused with a suggestion, and a bad port by its range', async () => {
    const [typo, range] = await Promise.all([run('local-oci', ['--prot', '18090']), run('local-oci', ['--port', '70000'])]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('local-oci: unknown option --prot (did you mean --port?); see --help\n');
    expect(range.code).toBe(2);
    expect(range.stderr).toBe('local-oci: --port takes a whole number from 0 to 65535, not "70000"; see --help\n');
    expect([...typo.leftovers, ...range.leftovers]).toEqual([]);
  });

  it('start --help names --classic; a stray argument is refused', async () => {
    const [help, stray] = await Promise.all([run('start', ['--help']), run('start', ['classic'])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--classic +a classic IAM tenancy/);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toBe('start: unexpected argument classic; see --help\n');
  });
});
