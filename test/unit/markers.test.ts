import { describe, expect, it } from 'vitest';
import { claimMarker } from '../../src/triggers/markers';
import { FakeClock } from '../fake-clock';
import { memoryStore } from './memory-store';

describe('the dedup marker of a delivery', () => {
  it("answers duplicate while another call's claim lasts, and takes it over once the claim's time has passed on the clock", async () => {
    // Prepare: call A claims the key until 30 s from now
    const clock = new FakeClock();
    const { store } = memoryStore();
    const until = clock.now() + 30_000;
    expect(await claimMarker(store, 'state', 'event-1', 'call-A', until, clock)).toMatchObject({ kind: 'claimed' });
    // Act: call B arrives 29 s later, then 2 s after that
    clock.advance(29_000);
    const early = await claimMarker(store, 'state', 'event-1', 'call-B', clock.now() + 30_000, clock);
    clock.advance(2_000);
    const late = await claimMarker(store, 'state', 'event-1', 'call-B', clock.now() + 30_000, clock);
    // Assess: held while A's claim lasts, taken over after, the marker dated on the clock
    expect(early).toMatchObject({
      kind: 'duplicate',
      reason: expect.stringMatching(/^being handled by call call-A since 2026-12-07T09:00:00/),
    });
    expect(late).toMatchObject({ kind: 'claimed' });
  });
});
