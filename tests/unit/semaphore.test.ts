import { describe, expect, it } from "vitest";
import { Semaphore } from "../../helpers/transport/semaphore.ts";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("channel semaphore", () => {
  it("never lets more than the limit run at once", async () => {
    const sem = new Semaphore(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const release = await sem.acquire();
        peak = Math.max(peak, ++running);
        await tick();
        running--;
        release();
      }),
    );
    expect(peak).toBe(3);
    expect(sem.inUse).toBe(0);
  });

  it("after a refusal the limit drops to what was open, and everyone still gets a turn", async () => {
    const sem = new Semaphore(6);
    const held = await Promise.all([sem.acquire(), sem.acquire(), sem.acquire()]);
    sem.lowerTo(sem.inUse - 1);
    expect(sem.current).toBe(2);
    const waiting = Promise.all(Array.from({ length: 5 }, async () => (await sem.acquire())()));
    held.forEach((release) => release());
    await waiting;
    expect(sem.inUse).toBe(0);
    sem.lowerTo(-5);
    expect(sem.current).toBe(1);
  });
});
