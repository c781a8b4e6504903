import { permissionsFor } from '@oci-iam-onboarding/local-oci/authz/operations';
import { type Caller, type CompartmentTree, decide } from '@oci-iam-onboarding/local-oci/authz/policy-engine';
import { readStatement } from '@oci-iam-onboarding/local-oci/authz/policy-language';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config';
import { checkStatement } from '../../src/core/policy/lint';
import { deploymentPolicy } from '../../src/deploy/deployment-policy';
import { schedulePolicyStatements } from '../../src/setup/desired';

// The queue statement the deployment policy generates and the schedule's policy set-up writes, judged
// by the local OCI's policy engine call by call: each grants what is called and nothing else. (The
// function's path through the queue is proved end to end by test/integration/policy-proof.test.ts
// once the upload engine calls it.)

const T = 'ocid1.tenancy.oc1..t';
const C = 'ocid1.compartment.oc1..apps';
const QUEUE = 'ocid1.queue.oc1.eu-frankfurt-1.aaaaqueue';
const OTHER_QUEUE = 'ocid1.queue.oc1.eu-frankfurt-1.aaaaother';
const SCHEDULE = 'ocid1.resourceschedule.oc1..sweep';
const tree: CompartmentTree = { tenancyId: T, parentOf: (id) => (id === C ? T : undefined), resolvePath: () => undefined };
const fn: Caller = {
  type: 'fnfunc',
  id: 'ocid1.fnfunc.oc1..f',
  compartmentId: C,
  dynamicGroups: [{ id: 'dg', name: 'iam-onboarding-fn' }],
};

function allowed(statements: readonly string[], caller: Caller, call: string, variables: Record<string, string> = {}): boolean {
  const [service = '', operation = ''] = call.split(':');
  const needs = permissionsFor(service, operation);
  if (!needs) throw new Error(`no permissions for ${call}`);
  const parsed = statements.map((text) => ({
    policyId: 'p',
    policyName: 'p',
    policyCompartmentId: T,
    text,
    statement: readStatement(text),
    aliases: new Map(),
  }));
  return decide(caller, parsed, { operation, requires: needs.requires, compartmentId: C, variables }, tree).allowed;
}

describe("the function's queue statement", () => {
  const config = parseConfig({
    ONS_TOPIC_ID: 'ocid1.onstopic.oc1..topic',
    POLICY_NAME_PREFIX: 'onboarding-',
    ROLE_CATALOG_BUCKET: 'config',
    ROLE_CATALOG_OBJECT: 'role-catalog.json',
  });
  const statements = deploymentPolicy({
    config,
    dynamicGroup: { name: 'iam-onboarding-fn' },
    functionId: fn.id,
    compartments: { function: C, topic: C, catalog: C, queue: C },
    queue: { id: QUEUE },
  }).statements.map((s) => s.statement);
  const queueStatements = statements.filter((s) => / queues /.test(s));
  const calls = [
    'PutMessages',
    'GetMessages',
    'DeleteMessage',
    'DeleteMessages',
    'UpdateMessage',
    'UpdateMessages',
    'GetStats',
    'ListChannels',
  ];

  it('is one lint-clean statement', () => {
    expect(queueStatements).toHaveLength(1);
    expect(checkStatement(queueStatements[0] ?? '').filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('allows every call the upload engine makes on its queue, and none on another queue', () => {
    // Act
    const onItsQueue = calls.filter((op) => allowed(queueStatements, fn, `queue:${op}`, { 'target.queue.id': QUEUE }));
    const onAnother = calls.filter((op) => allowed(queueStatements, fn, `queue:${op}`, { 'target.queue.id': OTHER_QUEUE }));
    // Assess
    expect(onItsQueue).toEqual(calls);
    expect(onAnother).toEqual([]);
  });

  it('allows no write the function does not make (UpdateQueue, CreateQueue, DeleteQueue), and of the reads only GetQueue, which shares QUEUE_READ with GetStats and ListChannels', () => {
    // Act
    const others = ['UpdateQueue', 'CreateQueue', 'DeleteQueue', 'ListQueues', 'GetQueue'].filter((op) =>
      allowed(queueStatements, fn, `queue:${op}`, { 'target.queue.id': QUEUE }),
    );
    // Assess: GetQueue (the queue's settings) comes with the permission the stats and channel reads are
    // taken to need (operations.ts, assumed); no permission name narrows it further.
    expect(others).toEqual(['GetQueue']);
  });

  it('is absent when no queue is configured', () => {
    const without = deploymentPolicy({
      config,
      dynamicGroup: { name: 'iam-onboarding-fn' },
      functionId: fn.id,
      compartments: { function: C, topic: C, catalog: C },
    });
    expect(without.statements.filter((s) => / queues /.test(s.statement))).toEqual([]);
  });
});

describe("the sweep schedule's policy", () => {
  const statements = schedulePolicyStatements(SCHEDULE, C);
  const schedule = (id: string): Caller => ({ type: 'resourceschedule', id, compartmentId: C, dynamicGroups: [] });

  it('lets that schedule invoke the function, and neither another schedule nor the function itself', () => {
    expect(allowed(statements, schedule(SCHEDULE), 'functions:InvokeFunction')).toBe(true);
    expect(allowed(statements, schedule('ocid1.resourceschedule.oc1..other'), 'functions:InvokeFunction')).toBe(false);
    expect(allowed(statements, { ...fn, dynamicGroups: [] }, 'functions:InvokeFunction')).toBe(false);
  });

  it('lets the schedule do nothing else: not read or update the function', () => {
    expect(allowed(statements, schedule(SCHEDULE), 'functions:GetFunction')).toBe(false);
    expect(allowed(statements, schedule(SCHEDULE), 'functions:UpdateFunction')).toBe(false);
  });
});
