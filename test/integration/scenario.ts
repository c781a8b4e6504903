import { join } from 'node:path';
import type { FaultRule } from '@oci-iam-onboarding/local-oci/faults';
import { type InvokeOptions, startFunction } from '@oci-iam-onboarding/local-oci/fn-harness';
import type { Timing } from '@oci-iam-onboarding/local-oci/state';
import type { OnboardingResult } from '../../src/core/result';
import { type LocalStack, startLocalStack } from '../../src/local-stack/stack';
import type { Clock } from '../../src/support/clock';
import { fixtureJson } from '../helpers';
import { type FunctionUnderTest, startInProcess } from '../in-process';

export const BUNDLE = join(__dirname, '..', '..', 'dist', 'func.js');

/**
 * A local OCI plus the function: the bundle in a process of its own under the Fn harness, or the same
 * handler in this process (`via: 'in-process'`, test/in-process.ts) for all that needs no process.
 */
export interface Scenario {
  readonly stack: LocalStack;
  readonly fn: FunctionUnderTest;
  /** Invokes with an event (object or raw text); returns the result and what OCI saw meanwhile. */
  onboard(event: unknown, options?: InvokeOptions): Promise<{ status: number; result: OnboardingResult; writes: number; calls: number }>;
  stop(): Promise<void>;
}

export async function startScenario(
  options: {
    bootstrapPassword?: string;
    timing?: Partial<Timing>;
    faults?: FaultRule[];
    env?: Record<string, string>;
    catalog?: string;
    identityDomain?: string;
    faultSeed?: number;
    /** A topic's publishes a minute in the local OCI (OCI: 60). */
    onsPublishesPerMinute?: number;
    /** `process` (the default): the bundle through the real FDK over its unix socket. */
    via?: 'in-process' | 'process';
    /** The time the function reads (in-process only). */
    clock?: Clock;
  } = {},
): Promise<Scenario> {
  const stack = await startLocalStack({
    ...(options.bootstrapPassword ? { bootstrapPassword: options.bootstrapPassword } : {}),
    ...(options.timing ? { timing: options.timing } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.catalog ? { catalog: options.catalog } : {}),
    ...(options.identityDomain ? { identityDomain: options.identityDomain } : {}),
    ...(options.faultSeed ? { faultSeed: options.faultSeed } : {}),
    ...(options.onsPublishesPerMinute ? { onsPublishesPerMinute: options.onsPublishesPerMinute } : {}),
    ...(options.env ? { extraEnv: options.env } : {}),
  });
  const fn =
    options.via === 'in-process'
      ? startInProcess({ env: stack.functionEnv, ...(options.clock ? { clock: options.clock } : {}) })
      : await startFunction({ entry: BUNDLE, env: stack.functionEnv });
  return {
    stack,
    fn,
    async onboard(event, invokeOptions) {
      const mark = stack.oci.requests.mark();
      const response = await fn.invoke(typeof event === 'string' ? event : JSON.stringify(event), invokeOptions);
      return {
        status: response.status,
        result: response.json as OnboardingResult,
        writes: stack.oci.requests.iamWrites(mark).length,
        calls: stack.oci.requests.entries(mark).length,
      };
    },
    async stop() {
      await fn.stop();
      await stack.oci.stop();
    },
  };
}

/**
 * The fixture hire without its `eventId`, so that sending it again reaches the planner (a repeated
 * `eventId` is answered `duplicate` by the delivery's marker); pass an `eventId` to test that.
 */
export const newHire = (overrides: Record<string, unknown> = {}) => {
  const { eventId: _eventId, ...hire } = fixtureJson('events', 'new-hire.json');
  return { ...hire, ...overrides };
};
export const outcomes = (result: OnboardingResult) => result.steps.map((s) => `${s.step}:${s.target}:${s.outcome}`);

/** The scenario with the function in this process (test/in-process.ts): for all that needs no process of its own. */
export const startInProcessScenario = (options: Parameters<typeof startScenario>[0] = {}) =>
  startScenario({ ...options, via: 'in-process' });
