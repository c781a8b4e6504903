import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchResult } from '../../src/core/response';
import type { OnboardingResult } from '../../src/core/result';
import { signWebhook } from '../../src/triggers/webhook';
import { fixtureJson } from '../helpers';
import { newHire, type Scenario, startInProcessScenario, startScenario } from './scenario';

/** Names whose UTF-8 takes 2, 3 and 4 bytes a character. */
const NAMES = [
  ['明日香', '黒澤'],
  ['😀Zoë', '🎉Ñandú'],
  ['𠜎𠜱', 'Łódź'],
  ['Ωμέγα', '김민준'],
] as const;

function hireRow(i: number) {
  const [givenName, familyName] = NAMES[i % NAMES.length] as readonly [string, string];
  return {
    employeeId: `U${String(i).padStart(4, '0')}`,
    userName: `utf8.hire${i}@example.com`,
    email: `utf8.hire${i}@example.com`,
    givenName,
    familyName,
    roles: ['auditor'],
  };
}

function objectEvent(scenario: Scenario, name: string) {
  const event = fixtureJson('envelopes', 'oci-event-createobject.json') as {
    eventID: string;
    data: { resourceName: string; additionalDetails: Record<string, string> };
  };
  event.eventID = randomUUID();
  event.data.resourceName = name;
  event.data.additionalDetails.namespace = scenario.stack.oci.state.namespace;
  event.data.additionalDetails.bucketName = scenario.stack.uploadBucket;
  return event;
}

const userDescriptions = (scenario: Scenario) => [...scenario.stack.oci.state.users.values()].map((u) => u.description).sort();

/** The process is alive and serves the next call: a dead one fails every later call of a warm container. */
async function stillServes(scenario: Scenario): Promise<void> {
  const { result } = await scenario.onboard(newHire({ userName: `alive.${randomUUID().slice(0, 8)}@example.com`, employeeId: 'E-ALIVE' }));
  expect(result.status).toBe('succeeded');
  expect(scenario.fn.exit()).toBeUndefined();
}

describe('decoding what arrives, through the Fn FDK and the local OCI', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.stop();
    scenario = undefined;
  });

  it('writes 2-, 3- and 4-byte names intact when the body arrives in 7-byte chunks that split them', async () => {
    // Prepare: a process of its own, whose FDK reads the body from its socket chunk by chunk.
    scenario = await startScenario();
    const rows = Array.from({ length: 8 }, (_, i) => hireRow(i));
    const body = Buffer.from(JSON.stringify(rows), 'utf8');
    // Act
    const response = await scenario.fn.invoke(body, { chunkBytes: 7 });
    // Assess
    const batch = response.json as BatchResult;
    expect(batch.report.counts).toMatchObject({ succeeded: 8, failed: 0, rejected: 0 });
    expect(userDescriptions(scenario)).toEqual(rows.map((r) => `${r.givenName} ${r.familyName} (employee ${r.employeeId})`).sort());
    expect(JSON.stringify(userDescriptions(scenario))).not.toContain('\uFFFD');
  });

  it('rejects a body that is not valid UTF-8 with its byte offset, and calls nothing in OCI', async () => {
    // Prepare: a lone 0xFF inside the given name
    scenario = await startInProcessScenario();
    const text = JSON.stringify(newHire({ givenName: 'Ad@' }));
    const at = Buffer.from(text).indexOf('@');
    const body = Buffer.from(text);
    body[at] = 0xff;
    const mark = scenario.stack.oci.requests.mark();
    // Act
    const raw = await scenario.fn.invoke(body);
    // Assess
    expect(raw.json).toMatchObject({
      status: 'rejected',
      errors: [
        {
          code: 'INVALID_EVENT',
          message: 'The request body is not valid UTF-8',
          problems: [{ path: '(body)', message: `byte 0xFF is not UTF-8, at byte offset ${at} (line 1, column ${at + 1})` }],
        },
      ],
    });
    expect(scenario.stack.oci.requests.entries(mark)).toHaveLength(0);
  });

  it('answers a 200 KB array of 100,000 numbers, as a body and as an upload, and keeps serving', async () => {
    // Prepare
    scenario = await startInProcessScenario();
    const zeros = `[${Array(100_000).fill('0').join(',')}]`;
    scenario.stack.oci.state.putObject(scenario.stack.uploadBucket, 'incoming/zeros.json', zeros, 'application/json');
    // Act
    const body = await scenario.onboard(zeros);
    const upload = await scenario.onboard(objectEvent(scenario, 'incoming/zeros.json'));
    // Assess
    expect(body.result).toMatchObject({
      status: 'rejected',
      errors: [{ code: 'INVALID_EVENT', message: 'The batch is not a list of hires' }],
    });
    expect(body.writes).toBe(0);
    const report = (upload.result as unknown as BatchResult).report;
    expect(report.counts).toMatchObject({ succeeded: 0, unreadable: 1001 });
    expect(upload.writes).toBe(0);
    await stillServes(scenario);
  }, 60_000);

  it('answers a 9 MB CSV of rows of the wrong width, and a CSV whose one line is 8 MB (refused unparsed), and keeps serving', async () => {
    // Prepare: a process of its own, under the deployed heap limit (FUNCTION_NODE_ARGS).
    scenario = await startScenario();
    const header = 'employeeId,userName,email,givenName,familyName,roles\n';
    const wrongWidth = header + 'E1,a@example.com,a@example.com,A,B,auditor,extra,extra\n'.repeat(170_000);
    expect(wrongWidth.length).toBeGreaterThan(9_000_000);
    scenario.stack.oci.state.putObject(scenario.stack.uploadBucket, 'incoming/wide.csv', wrongWidth, 'text/csv');
    const oneLine = `${header}E1,a@example.com,a@example.com,${'x'.repeat(8 * 1024 * 1024)},B,auditor\n`;
    scenario.stack.oci.state.putObject(scenario.stack.uploadBucket, 'incoming/long-line.csv', oneLine, 'text/csv');
    // Act
    const wide = await scenario.onboard(objectEvent(scenario, 'incoming/wide.csv'), { deadlineMs: 60_000 });
    const long = await scenario.onboard(objectEvent(scenario, 'incoming/long-line.csv'), { deadlineMs: 60_000 });
    // Assess
    const wideReport = (wide.result as unknown as BatchResult).report;
    expect(wideReport.counts).toMatchObject({ succeeded: 0, unreadable: 1001 });
    // An upload's rows are in its report object, not in the response.
    const reportOf = (name: string) =>
      (scenario?.stack.oci.state.buckets.get(scenario.stack.uploadBucket)?.get(`${name}.report.csv`)?.body.toString('utf8') ?? '')
        .split('\r\n')
        .filter(Boolean);
    expect(reportOf('incoming/wide.csv').at(-1)).toMatch(/more than 1000 rows could not be read/);
    const longReport = (long.result as unknown as BatchResult).report;
    expect(longReport.counts).toMatchObject({ unreadable: 1 });
    expect(reportOf('incoming/long-line.csv').slice(1)).toEqual([
      `2,rejected,,,,0,(row): is ${oneLine.length - header.length - 1} bytes long; at most 65536 are read`,
    ]);
    expect(wide.writes + long.writes).toBe(0);
    await stillServes(scenario);
  }, 120_000);

  it('refuses an object event whose namespace is .. as INVALID_EVENT, calling nothing in OCI', async () => {
    scenario = await startInProcessScenario();
    const event = objectEvent(scenario, 'incoming/hires.csv');
    event.data.additionalDetails.namespace = '..';
    const { result, calls } = await scenario.onboard(event);
    expect(result).toMatchObject({
      status: 'rejected',
      errors: [{ code: 'INVALID_EVENT', problems: [{ path: 'data.additionalDetails.namespace' }] }],
    });
    expect(calls).toBe(0);
  });

  it('answers a replayed eventId, directly or through a webhook delivery id, as a duplicate that writes nothing', async () => {
    // Prepare
    scenario = await startInProcessScenario();
    const hire = newHire({ eventId: 'hr-replayed-1' });
    // Act
    const first = await scenario.onboard(hire);
    const again = await scenario.onboard(hire);
    // Assess
    expect(first.result.status).toBe('succeeded');
    expect([(again.result as unknown as { status: string }).status, again.writes]).toEqual(['duplicate', 0]);

    const body = JSON.stringify(newHire({ userName: 'webhook.hire@example.com', employeeId: 'E-WH' }));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers = {
      'Fn-Intent': 'httprequest',
      'Fn-Http-H-X-Hr-Signature': signWebhook(scenario.stack.webhookSecret, timestamp, body),
      'Fn-Http-H-X-Hr-Timestamp': timestamp,
      'Fn-Http-H-X-Hr-Delivery-Id': 'delivery-7',
    };
    const delivered = await scenario.fn.invoke(body, { headers });
    const mark = scenario.stack.oci.requests.mark();
    const replayed = await scenario.fn.invoke(body, { headers });
    expect((delivered.json as OnboardingResult).status).toBe('succeeded');
    expect(replayed.json).toMatchObject({ status: 'duplicate' });
    expect(scenario.stack.oci.requests.iamWrites(mark)).toHaveLength(0);
    expect(scenario.stack.oci.state.messages(scenario.stack.topicId)).toHaveLength(2);
  });

  describe('webhook signatures', () => {
    it.each([
      ['trailing garbage', (s: string) => `${s}zz`],
      ['half a byte more', (s: string) => `${s}0`],
      ['upper case', (s: string) => s.toUpperCase()],
      ['a space inside', (s: string) => `${s.slice(0, 10)} ${s.slice(10)}`],
    ])('answers 401 to a valid signature with %s, and writes nothing', async (_label, spoil) => {
      // Prepare
      scenario = await startInProcessScenario();
      const body = JSON.stringify(newHire());
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = spoil(signWebhook(scenario.stack.webhookSecret, timestamp, body));
      // Act
      const response = await scenario.fn.invoke(body, {
        headers: { 'Fn-Intent': 'httprequest', 'Fn-Http-H-X-Hr-Signature': signature, 'Fn-Http-H-X-Hr-Timestamp': timestamp },
      });
      // Assess
      expect(response.headers['fn-http-status']).toBe('401');
      expect(response.json).toMatchObject({ status: 'rejected', errors: [{ code: 'UNAUTHENTICATED' }] });
      expect(scenario.stack.oci.requests.iamWrites()).toHaveLength(0);
    });
  });
});
