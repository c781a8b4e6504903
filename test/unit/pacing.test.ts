import { describe, expect, it } from 'vitest';
import { ClassicPacer, DomainPacer, sharedWindow } from '../../src/oci/pacing';
import { FakeClock } from '../fake-clock';

describe('classic IAM pacing (no published rate: learned from the answers)', () => {
  it('does not pace on a throttled answer when too few calls went through to tell a rate', () => {
    // Prepare
    const pacer = new ClassicPacer();
    pacer.passed('write', 1000);
    // Act
    const cut = pacer.throttled('write', 1100);
    // Assess
    expect(cut).toBe(true);
    expect(pacer.pace('write')).toBeUndefined();
  });

  it('paces calls at three quarters of what OCI let through when it throttled, then grows by half a call a second per second', () => {
    // Prepare: OCI let 20 calls through in the last second.
    const pacer = new ClassicPacer();
    for (let i = 0; i < 20; i += 1) pacer.passed('write', 50_000 + i * 40);
    for (let i = 0; i < 50; i += 1) pacer.passed('read', 50_000 + i * 10);
    expect(pacer.pace('write')).toBeUndefined();
    // Act
    pacer.throttled('write', 50_800);
    // Assess: writes paced, reads not.
    expect(pacer.pace('write')).toBe(15);
    expect(pacer.pace('read')).toBeUndefined();
    for (let i = 0; i < 15; i += 1) pacer.passed('write', 51_000 + i);
    expect(pacer.pace('write')).toBeCloseTo(15.49, 1);
  });

  it('spaces paced calls on the clock it is given, without waiting for real time', async () => {
    // Prepare: 20 writes a second went through, then a 429: paced at 15 a second on a fake clock
    const clock = new FakeClock(50_000);
    const pacer = new ClassicPacer(1000, clock);
    for (let i = 0; i < 20; i += 1) pacer.passed('write', 49_200 + i * 40);
    pacer.throttled('write');
    const realStart = Date.now();
    // Act: 31 turns, two seconds of calls at 15 a second
    for (let i = 0; i < 31; i += 1) await pacer.turn('write');
    // Assess: about two seconds passed on the clock, next to nothing in real time
    expect(clock.now() - 50_000).toBeGreaterThanOrEqual(1900);
    expect(clock.now() - 50_000).toBeLessThanOrEqual(2100);
    expect(Date.now() - realStart).toBeLessThan(1000);
  });
});

/** A pacer on a clock the test moves: `sleep` moves it on instead of waiting. */
function pacedClock(type: ConstructorParameters<typeof DomainPacer>[0]) {
  let now = 1_000_000;
  const pacer = new DomainPacer(type, {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  });
  return { pacer, now: () => now };
}

describe("identity-domain pacing (Oracle's published windows)", () => {
  it("lets a tenth of a Free domain's 150 'Others' calls a minute go at once and spaces the rest, so that none waits much more than a tenth of the minute", async () => {
    // Prepare
    const { pacer, now } = pacedClock('free');
    const start = now();
    const times: number[] = [];
    // Act
    for (let i = 0; i < 160; i += 1) {
      await pacer.turn('Others');
      times.push(now() - start);
    }
    // Assess: never more than 20 in any second, never more than 150 in any minute; the first 15 within
    // a second, the rest of the minute's 400 ms apart; the longest wait about 15 gaps.
    for (const t of times) {
      expect(times.filter((u) => u > t - 1000 && u <= t).length).toBeLessThanOrEqual(20);
      expect(times.filter((u) => u > t - 60_000 && u <= t).length).toBeLessThanOrEqual(150);
    }
    expect(times[14]).toBeLessThan(1000);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(Math.min(...gaps.slice(15, 149))).toBeGreaterThanOrEqual(400);
    expect(Math.max(...gaps)).toBeLessThan(15 * 400 + 100);
    expect(times[150]).toBeGreaterThanOrEqual(60_000);
    expect(pacer.counts.get('Others')?.sent).toBe(160);
  });

  it("keeps the Bulk group's windows apart from the 'Others' group's", async () => {
    // Prepare: a Premium domain, Bulk at 5 a second (one per 200 ms past the first) and 200 a minute, Others at 90 a second.
    const { pacer, now } = pacedClock('premium');
    await pacer.turn('Bulk');
    const start = now();
    // Act: 20 Others calls, then a Bulk call.
    for (let i = 0; i < 20; i += 1) await pacer.turn('Others');
    const othersDone = now();
    await pacer.turn('Bulk');
    // Assess: the Others calls did not wait for Bulk's gap, and Bulk waited only for its own.
    expect(othersDone - start).toBeLessThan(200);
    expect(now() - start).toBeGreaterThanOrEqual(200);
    expect(now() - start).toBeLessThan(250);
  });

  it("refuses a call whose turn would come after the invocation's deadline, before sending it", async () => {
    // Prepare: a Free domain's Bulk group (one call per 300 ms); the deadline 100 ms away.
    const { pacer, now } = pacedClock('free');
    await pacer.turn('Bulk');
    // Act
    const late = pacer.turn('Bulk', 1, now() + 100);
    // Assess
    await expect(late).rejects.toMatchObject({ ociCode: 'OutOfTime', retryable: false });
    expect(pacer.counts.get('Bulk')?.sent).toBe(1);
  });

  it('holds a group for what a 429 says, and does not slow down afterwards', async () => {
    // Prepare
    const { pacer, now } = pacedClock('premium');
    await pacer.turn('Others');
    // Act
    pacer.throttled('Others', 3000);
    const held = now();
    await pacer.turn('Others');
    const after = now();
    for (let i = 0; i < 80; i += 1) await pacer.turn('Others');
    // Assess
    expect(after - held).toBeGreaterThanOrEqual(3000);
    expect(now() - after).toBeLessThan(1100);
    expect(pacer.counts.get('Others')).toEqual({ sent: 82, throttled: 1 });
  });

  it("keeps four workers' pacers together within a Free domain's windows when each takes a quarter of them", async () => {
    // Prepare: four containers of one upload, each with its own pacer, on one clock.
    let now = 1_000_000;
    const start = now;
    const times: number[] = [];
    const pacers = Array.from(
      { length: 4 },
      () =>
        new DomainPacer('free', {
          now: () => now,
          sleep: async (ms) => {
            now += ms;
          },
        }),
    );
    // Act: the four take turns, each as fast as its pacer lets it, until 400 Bulk calls have gone.
    for (let i = 0; i < 400; i += 1) {
      const pacer = pacers[i % 4] as DomainPacer;
      await pacer.turn('Bulk', 1 / 4);
      times.push(now - start);
    }
    // Assess: the domain's Bulk windows (5 a second, 200 a minute) hold for the four together.
    for (const t of times) {
      expect(times.filter((u) => u > t - 1000 && u <= t).length).toBeLessThanOrEqual(5);
      expect(times.filter((u) => u > t - 60_000 && u <= t).length).toBeLessThanOrEqual(200);
    }
  });

  it('shares a window as whole calls over the same span, and one call over a longer span below one', () => {
    expect(sharedWindow(5, 1000, 1 / 4)).toEqual({ limit: 1, spanMs: 1000 });
    expect(sharedWindow(150, 60_000, 1 / 4)).toEqual({ limit: 37, spanMs: 60_000 });
    expect(sharedWindow(20, 1000, 1)).toEqual({ limit: 20, spanMs: 1000 });
    expect(sharedWindow(5, 1000, 1 / 8)).toEqual({ limit: 1, spanMs: 1600 });
  });
});
