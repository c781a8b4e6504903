import { seedFunctionGrant } from '@oci-iam-onboarding/local-oci/authz/seed';
import { type LocalOci, startLocalOci } from '@oci-iam-onboarding/local-oci/server';
import type { FunctionCall } from '@oci-iam-onboarding/local-oci/services/functions-invoke';
import { ScheduleClient } from 'oci-resourcescheduler';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientConfiguration } from '../../src/oci/clients';
import { configFileProvider, failure } from './sdk';

// Resource Scheduler as the local OCI serves it, through oci-resourcescheduler's ScheduleClient signing
// as an administrator. A due schedule calls the function through the Functions invoke API as its own
// resource principal; the calls land where the invoke API delivers them (here a recorder in place of
// the FDK harness). Time runs on the local OCI's clock, frozen and moved by the tests.

const SWEEP = { sweep: true };

describe('local OCI: Resource Scheduler through the oci-resourcescheduler SDK', () => {
  let oci: LocalOci;
  let client: ScheduleClient;
  const calls: FunctionCall[] = [];

  const grantSchedule = (statements: string[]) =>
    seedFunctionGrant(oci.state, oci.state.tenancy.id, { dynamicGroupName: 'unused', policyName: 'schedule-invokes', statements });

  async function everyFiveMinutes(displayName: string) {
    const { schedule } = await client.createSchedule({
      createScheduleDetails: {
        compartmentId: oci.state.tenancy.id,
        displayName,
        action: 'START_RESOURCE' as never,
        recurrenceType: 'CRON' as never,
        recurrenceDetails: '*/5 * * * *',
        resources: [{ id: oci.functionId, parameters: [{ parameterType: 'BODY', value: SWEEP } as never] }],
      },
    });
    return schedule;
  }

  beforeAll(async () => {
    oci = await startLocalOci();
    client = new ScheduleClient({ authenticationDetailsProvider: configFileProvider(oci) }, clientConfiguration);
    client.endpoint = oci.endpointFor(oci.homeRegion);
    // Runs are made by the tests, except in the one that shows the timer.
    oci.schedules.timerPaused = true;
    oci.functions.invoker = async (call) => {
      calls.push(call);
      return { status: 200, body: '{}' };
    };
  });
  afterEach(() => {
    oci.schedules.timerPaused = true;
    oci.state.clock.resume();
    calls.length = 0;
    grantSchedule([]);
    oci.schedules.schedules.clear();
  });
  afterAll(() => oci.stop());

  it('creates, reads, lists and deletes a schedule; its next run is the next five-minute mark', async () => {
    // Prepare
    oci.state.clock.freeze();
    oci.state.clock.advance(Date.parse('2030-01-01T10:02:30Z') - oci.state.clock.now());
    // Act
    const created = await everyFiveMinutes('sweep');
    const read = await client.getSchedule({ scheduleId: created.id });
    const listed = await client.listSchedules({ compartmentId: oci.state.tenancy.id, resourceId: oci.functionId });
    await client.deleteSchedule({ scheduleId: created.id });
    const gone = await failure(client.getSchedule({ scheduleId: created.id }));
    // Assess
    expect(created.id).toMatch(/^ocid1\.resourceschedule\./);
    expect(read.schedule).toMatchObject({ lifecycleState: 'ACTIVE', recurrenceDetails: '*/5 * * * *', action: 'START_RESOURCE' });
    expect(new Date(read.schedule.timeNextRun ?? 0).toISOString()).toBe('2030-01-01T10:05:00.000Z');
    expect(read.schedule.resources?.[0]?.parameters?.[0]).toMatchObject({ parameterType: 'BODY', value: SWEEP });
    expect(listed.scheduleCollection.items.map((s) => s.id)).toEqual([created.id]);
    expect(gone).toMatchObject({ statusCode: 404 });
  });

  it('refuses a recurrence it cannot read and a schedule without resources (400)', async () => {
    // Act
    const badCron = await failure(
      client.createSchedule({
        createScheduleDetails: {
          compartmentId: oci.state.tenancy.id,
          action: 'START_RESOURCE' as never,
          recurrenceType: 'CRON' as never,
          recurrenceDetails: 'every five minutes',
          resources: [{ id: oci.functionId }],
        },
      }),
    );
    const noResources = await failure(
      client.createSchedule({
        createScheduleDetails: {
          compartmentId: oci.state.tenancy.id,
          action: 'START_RESOURCE' as never,
          recurrenceType: 'ICAL' as never,
          recurrenceDetails: 'FREQ=MINUTELY;INTERVAL=5',
        },
      }),
    );
    // Assess
    expect(badCron).toMatchObject({ statusCode: 400 });
    expect(noResources).toMatchObject({ statusCode: 400 });
  });

  it('is refused without a policy: the function is not called, the run fails and the denial names the schedule', async () => {
    // Prepare
    oci.state.clock.freeze();
    const schedule = await everyFiveMinutes('unpermitted');
    oci.state.clock.advance(5 * 60_000);
    // Act
    const runs = await oci.runSchedules();
    const read = await client.getSchedule({ scheduleId: schedule.id });
    // Assess
    expect(runs).toMatchObject([{ scheduleId: schedule.id, resourceId: oci.functionId, outcome: 'refused', status: 404 }]);
    expect(calls).toEqual([]);
    expect(read.schedule.lastRunStatus).toBe('FAILED');
    expect(oci.authz.denials().at(-1)).toMatchObject({
      operation: 'InvokeFunction',
      caller: `resourceschedule ${schedule.id}`,
      missing: [['FN_INVOCATION']],
    });
  });

  it('fires with the policy of Resource Scheduler\'s examples: one detached call with the body {"sweep":true}, as the schedule', async () => {
    // Prepare
    oci.state.clock.freeze();
    const schedule = await everyFiveMinutes('sweeper');
    grantSchedule([
      `Allow any-user to use fn-invocation in tenancy where all{request.principal.type='resourceschedule', request.principal.id='${schedule.id}'}`,
    ]);
    // Act: nothing is due before five minutes; then one run
    const early = await oci.runSchedules();
    oci.state.clock.advance(5 * 60_000);
    const runs = await oci.runSchedules();
    const again = await oci.runSchedules();
    // Assess
    expect(early).toEqual([]);
    expect(runs).toMatchObject([{ outcome: 'invoked', status: 202 }]);
    expect(again).toEqual([]);
    await expect.poll(() => calls.length).toBe(1);
    expect(calls[0]).toMatchObject({ functionId: oci.functionId, detached: true, caller: schedule.id });
    expect(calls[0]?.body.toString('utf8')).toBe('{"sweep":true}');
    expect((await client.getSchedule({ scheduleId: schedule.id })).schedule.lastRunStatus).toBe('SUCCEEDED');
  });

  it('is refused when the policy names another schedule (request.principal.id is checked)', async () => {
    // Prepare
    oci.state.clock.freeze();
    await everyFiveMinutes('other');
    grantSchedule([
      "Allow any-user to use fn-invocation in tenancy where all{request.principal.type='resourceschedule', request.principal.id='ocid1.resourceschedule.oc1..someoneelse'}",
    ]);
    oci.state.clock.advance(5 * 60_000);
    // Act
    const runs = await oci.runSchedules();
    // Assess
    expect(runs.map((r) => r.outcome)).toEqual(['refused']);
    expect(calls).toEqual([]);
  });

  it('runs on its own timer once the local clock reaches the next run, without a test calling it', async () => {
    // Prepare
    oci.state.clock.freeze();
    const schedule = await everyFiveMinutes('timer');
    oci.schedules.timerPaused = false;
    grantSchedule([`Allow any-user to use fn-invocation in tenancy where request.principal.id = '${schedule.id}'`]);
    // Act
    oci.state.clock.advance(5 * 60_000);
    // Assess
    await expect.poll(() => calls.length, { timeout: 2000 }).toBe(1);
    expect(oci.schedules.runs.at(-1)).toMatchObject({ scheduleId: schedule.id, outcome: 'invoked' });
  });

  it('seeds a schedule without the API (addFunctionSchedule) that fires like one created through it', async () => {
    // Prepare
    oci.state.clock.freeze();
    const schedule = oci.schedules.addFunctionSchedule({
      compartmentId: oci.state.tenancy.id,
      functionId: oci.functionId,
      body: SWEEP,
      everyMinutes: 2,
    });
    grantSchedule([`Allow any-user to use fn-invocation in tenancy where request.principal.id = '${schedule.id}'`]);
    // Act
    oci.state.clock.advance(60_000);
    const early = await oci.runSchedules();
    oci.state.clock.advance(60_000);
    const runs = await oci.runSchedules();
    // Assess
    expect(early).toEqual([]);
    expect(runs.map((r) => r.outcome)).toEqual(['invoked']);
    await expect.poll(() => calls.length).toBe(1);
    expect(calls[0]?.body.toString('utf8')).toBe('{"sweep":true}');
  });
});
