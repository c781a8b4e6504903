import { homedir } from 'node:os';
import { join } from 'node:path';
import * as common from 'oci-common';
import { createLogger } from '../support/logger';
import { applySetup } from './apply';
import { catalogUpload, desiredSetup, parseSetupInput, type SetupInput } from './desired';
import { mergedFunctionConfig, observedRefs, planProblems, planSetup, type SetupStep } from './plan';
import { policyStatements } from './statements';
import { findFunction, observeSetup, setupClients } from './tenancy';

/** How `npm run setup` was asked to run. */
export interface SetupOptions {
  /** The set-up file's JSON. */
  readonly input: unknown;
  /** Write the plan; without it, only print it. */
  readonly apply: boolean;
  /** The administrator's OCI config file and profile (the OCI CLI's defaults). */
  readonly configFile?: string | undefined;
  readonly profile?: string | undefined;
  /** The content of the set-up file's catalogFile, read by the caller. */
  readonly catalogText?: string | undefined;
  /** Policy statements to use instead of the set-up file's or the generated ones. */
  readonly statements?: readonly string[] | undefined;
  /** Testing only: every call to `http://host:port/r/{region}` (the local OCI). */
  readonly endpointTemplate?: string | undefined;
  /** Testing only: how long to wait between attempts while IAM catches up after a write. */
  readonly consistencyDelayMs?: number | undefined;
}

export interface SetupOutcome {
  readonly steps: readonly SetupStep[];
  /** What stopped the set-up before it wrote anything. */
  readonly problems: readonly string[];
  /** What it wrote, one line per step; empty on a dry run. */
  readonly applied: readonly string[];
}

/**
 * Observes the tenancy, plans, and (with `apply`) writes the plan. A second run after an applied
 * one plans nothing to do.
 */
export async function runSetup(options: SetupOptions): Promise<SetupOutcome> {
  const input: SetupInput = parseSetupInput(options.input);
  const provider = new common.ConfigFileAuthenticationDetailsProvider(
    options.configFile ?? join(homedir(), '.oci', 'config'),
    options.profile ?? 'DEFAULT',
  );
  const log = createLogger({ level: 'error', write: (line) => process.stderr.write(`${line}\n`) });
  // An administrator's command, not an invocation: ten minutes is the deadline for all its calls.
  const policy = { deadline: Date.now() + 10 * 60_000, maxAttempts: 5, log };
  const clients = await setupClients(provider, policy, options.endpointTemplate);
  const fn = await findFunction(clients, input);
  const { catalogText } = options;
  // What is observed does not depend on the statements; the statements depend on the config set-up will
  // leave and on where the buckets that exist are.
  const draft = desiredSetup(input, fn, [], { catalogText });
  const observed = await observeSetup(clients, draft, fn);
  const places = new Map([...observed.buckets].map(([name, b]) => [name, b.compartmentId]));
  const config = {
    ...observed.applicationConfig,
    ...mergedFunctionConfig(draft.functionConfig, observed.functionConfig, observedRefs(observed)),
  };
  const generated = options.statements
    ? { statements: options.statements.map((statement) => ({ statement })), problems: [] }
    : policyStatements(input, fn, config, { places, catalogText });
  const desired = desiredSetup(input, fn, generated.statements, { places, catalogText });
  const steps = planSetup(desired, observed);
  const unread =
    input.catalogFile && catalogText === undefined
      ? ['catalogFile: not read']
      : catalogText !== undefined && !catalogUpload(input, catalogText)
        ? ['catalogFile: functionConfig must name ROLE_CATALOG_BUCKET and ROLE_CATALOG_OBJECT, where the function reads it']
        : [];
  const problems = [...unread, ...generated.problems, ...planProblems(desired, observed)];
  if (!options.apply || problems.length > 0) return { steps, problems, applied: [] };
  const applied = await applySetup(clients, desired, observed, steps, { consistencyDelayMs: options.consistencyDelayMs });
  return { steps, problems, applied };
}
