import { describe, expect, it } from 'vitest';
import { ClassicPacer, DomainPacer } from '../../src/oci/pacing';

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
});

/** A pacer on a clock the test moves: `sleep` moves it on instead of waiting. */
function pacedClock(type: ConstructorParameters<typeof DomainPacer>[0]) {
  let now = 1_000_000;
  const pacer = new DomainPacer(
    type,
    () => now,
    async (ms) => {
      now += ms;
    },
  );
  return { pacer, now: () => now };
}

describe("identity-domain pacing (Oracle's published windows)", () => {
  it("lets a Free domain's 150 'Others' calls a minute through at up to 20 a second, then waits for the minute to pass", async () => {
    // Prepare
    const { pacer, now } = pacedClock('free');
    const start = now();
    const times: number[] = [];
    // Act
    for (let i = 0; i < 160; i += 1) {
      await pacer.turn('Others');
      times.push(now() - start);
    }
    // Assess: never more than 20 in any second, never more than 150 in any minute.
    for (const t of times) {
      expect(times.filter((u) => u > t - 1000 && u <= t).length).toBeLessThanOrEqual(20);
      expect(times.filter((u) => u > t - 60_000 && u <= t).length).toBeLessThanOrEqual(150);
    }
    expect(times[149]).toBeLessThan(8_000);
    expect(times[150]).toBeGreaterThanOrEqual(60_000);
    expect(pacer.counts.get('Others')?.sent).toBe(160);
  });

  it("keeps the Bulk group's windows apart from the 'Others' group's", async () => {
    // Prepare
    const { pacer, now } = pacedClock('premium');
    const start = now();
    // Act
    for (let i = 0; i < 5; i += 1) await pacer.turn('Bulk');
    for (let i = 0; i < 90; i += 1) await pacer.turn('Others');
    await pacer.turn('Bulk');
    // Assess: five Bulk calls a second on every type; the 'Others' calls did not wait for them.
    expect(now() - start).toBeGreaterThanOrEqual(1000);
    expect(now() - start).toBeLessThan(1100);
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
});
