// `npm start`: the whole function on the local OCI, scene by scene (a joiner, a mover and a leaver,
// each delivered twice: the replay must write nothing). By default the tenancy has an identity domain,
// as every tenancy created in recent years does; `--classic` shows classic IAM. Exits 1 when a scene
// does not hold.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningFunction, startFunction } from '@oci-iam-onboarding/local-oci/fn-harness';
import type { HandlerResult } from '../core/response';
import { type LocalStack, startLocalStack } from '../local-stack/stack';
import { defineCommand, onShutdown, runCommand } from './args';
import { bundlePath, out, printSteps } from './print';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const DOMAIN = 'Employees';
/** The demo's Vault secret content; the run checks that the domain user got exactly this password. */
const BOOTSTRAP_PASSWORD = 'Local-Bootstrap-Password-1!';

const spec = defineCommand({
  name: 'start',
  usage: 'npm start [-- --classic]',
  summary: [
    'Runs the bundled function under the Fn harness against the embedded local OCI, scene by scene:',
    'a joiner, a mover and a leaver, each followed by the same event again (a replay must write nothing).',
    'No tenancy, Docker or network needed.',
  ].join('\n'),
  options: {
    classic: { type: 'boolean', description: 'a classic IAM tenancy instead of one with an identity domain' },
  },
  notes: ['exit codes:\n  0  every scene held\n  1  a scene did not hold (e.g. the replay wrote something)\n  2  bad argument'],
});

/** What a scene saw: the result, and what the local OCI counted while it ran. */
interface SceneRun {
  readonly result: HandlerResult;
  readonly iamWrites: number;
  readonly calls: number;
}

/** What every scene can use. */
interface World {
  readonly stack: LocalStack;
  readonly fn: RunningFunction;
  readonly classic: boolean;
}

/**
 * One step of the demo: an event sent to the function, and what must hold afterwards (a problem
 * sentence, or undefined). Add a scene to show more (a mover, a leaver…).
 */
interface Scene {
  readonly title: string;
  /** A file under examples/. */
  readonly event: string;
  readonly check: (run: SceneRun, world: World) => string | undefined;
  /** Extra lines to print after the steps. */
  readonly explain?: (run: SceneRun, world: World) => readonly string[];
}

const succeeded = (run: SceneRun) => (run.result.status === 'succeeded' ? undefined : `status is ${run.result.status}`);

const scenes: readonly Scene[] = [
  {
    title: 'A new hire (examples/new-hire.json)',
    event: 'new-hire.json',
    check: (run) => succeeded(run) ?? (run.iamWrites > 0 ? undefined : 'nothing was written'),
    explain: (run, { stack, classic }) => {
      if (classic)
        return [
          '  Classic IAM: no console password is set (OCI would only generate a one-time password); see docs/lifecycle-and-rosters.md, "Console passwords".',
        ];
      const userName = 'userName' in run.result ? run.result.userName : undefined;
      const user = [...(stack.oci.state.domain?.users.values() ?? [])].find((u) => u.userName === userName);
      if (!user) return ['  (no user in the domain)'];
      const fromVault = user.passwordHash === createHash('sha256').update(BOOTSTRAP_PASSWORD).digest('hex');
      return [
        `  In identity domain ${DOMAIN}: user ${user.userName} (${user.active ? 'active' : 'inactive'}), ` +
          `password ${fromVault ? 'set at creation from the Vault bootstrap secret' : user.passwordHash ? 'set, but not the Vault secret' : 'not set'}, ` +
          `welcome e-mail ${user.notified ? 'sent' : 'not sent'}.`,
      ];
    },
  },
  {
    title: 'The same event again (a replay: OCI Events and ONS deliver more than once)',
    event: 'new-hire.json',
    check: (run) => succeeded(run) ?? (run.iamWrites === 0 ? undefined : `the replay wrote ${run.iamWrites} times`),
  },
  {
    title: 'A mover (examples/mover.json: developer in test only, a new e-mail)',
    event: 'mover.json',
    check: (run) => succeeded(run) ?? (run.iamWrites > 0 ? undefined : 'nothing was written'),
  },
  {
    title: 'The mover again',
    event: 'mover.json',
    check: (run) => succeeded(run) ?? (run.iamWrites === 0 ? undefined : `the replay wrote ${run.iamWrites} times`),
  },
  {
    title: 'A leaver (examples/leaver.json: sign-in off, catalog groups and credentials removed)',
    event: 'leaver.json',
    check: (run) => succeeded(run) ?? (run.iamWrites > 0 ? undefined : 'nothing was written'),
  },
  {
    title: 'The leaver again',
    event: 'leaver.json',
    check: (run) => succeeded(run) ?? (run.iamWrites === 0 ? undefined : `the replay wrote ${run.iamWrites} times`),
  },
  {
    title: 'The mover delivered late, after the leaver (HR produced it first: occurredAt is older)',
    event: 'mover.json',
    check: (run) =>
      run.result.status !== 'stale'
        ? `status is ${run.result.status}, not stale: a late mover would undo the leaver`
        : run.iamWrites === 0
          ? undefined
          : `the stale mover wrote ${run.iamWrites} times`,
  },
];

function printResult(result: HandlerResult): void {
  if (result.kind === 'notice') out(`    ${result.status}: ${result.reason}`);
  else if (result.kind === 'batch') out(`    ${JSON.stringify(result.report.counts)}`);
  else printSteps(result);
}

runCommand(spec, async ({ values }) => {
  const classic = values.classic === true;
  const stack = await startLocalStack({ bootstrapPassword: BOOTSTRAP_PASSWORD, ...(classic ? {} : { identityDomain: DOMAIN }) });
  onShutdown(() => stack.oci.stop());
  const fn = await startFunction({ entry: bundlePath(), env: stack.functionEnv });
  onShutdown(() => fn.stop());
  const world: World = { stack, fn, classic };

  out(`Local OCI on ${stack.oci.endpoint} (home region ${stack.oci.homeRegion}, function region ${stack.oci.defaultRegion})`);
  out(
    classic
      ? 'Tenancy: classic IAM (users and groups through the Identity API). Without --classic: an identity domain.'
      : `Tenancy: identity domain ${DOMAIN} (users and groups through its SCIM API at ${stack.oci.domainUrl}); ` +
          'new users get the Vault bootstrap password. --classic shows classic IAM.',
  );
  out(`Function listening on its Fn socket after ${fn.startupMs.toFixed(0)} ms`);

  const problems: string[] = [];
  for (const [index, scene] of scenes.entries()) {
    const event = readFileSync(join(EXAMPLES, scene.event), 'utf8');
    if (index === 0) out(`\nThe event:\n${event.trim()}`);
    const mark = stack.oci.requests.mark();
    const response = await fn.invoke(event);
    const run: SceneRun = {
      result: response.json as HandlerResult,
      iamWrites: stack.oci.requests.iamWrites(mark).length,
      calls: stack.oci.requests.entries(mark).length,
    };
    const ms = 'durationMs' in run.result ? ` in ${run.result.durationMs} ms` : '';
    out(`\n${index + 1}. ${scene.title}: ${run.result.status}${ms}, ${run.iamWrites} IAM writes, ${run.calls} OCI calls`);
    printResult(run.result);
    for (const line of scene.explain?.(run, world) ?? []) out(line);
    const problem = scene.check(run, world);
    if (problem) problems.push(`${index + 1}. ${scene.title}: ${problem}`);
  }

  const messages = stack.oci.state.messages(stack.topicId);
  const last = messages.at(-1);
  out(`\nThe ONS topic received ${messages.length} messages. The last one:`);
  out(`  Title: ${last?.title ?? '(none)'}`);
  out((last?.body ?? '').split('\n--- result (JSON) ---')[0]?.replace(/^/gm, '  '));
  out('  (followed by the machine-readable result as JSON)');

  out(problems.length === 0 ? `\nOK: every scene held (${scenes.length}).` : `\nNOT OK:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return problems.length === 0 ? 0 : 1;
});
