import { abortableSleep, backoffDelay, withRetry } from './retry';

class Transient extends Error {}

describe('retry with exponential backoff and full jitter', () => {
  it('waits uniformly up to base * 2^n, capped', () => {
    const policy = { baseMs: 100, capMs: 1000, random: () => 0.999999 };
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, { ...policy, random: () => 0 })).toBe(0);
    expect(backoffDelay(2, { ...policy, random: () => 0.5 })).toBe(200);
  });

  it('retries a retryable failure 3 times, sleeping the jittered schedule, then gives up with the last error', async () => {
    const sleeps: number[] = [];
    const attempts: number[] = [];
    const error = await withRetry(
      async (attempt) => {
        attempts.push(attempt);
        throw new Transient(`attempt ${attempt}`);
      },
      {
        shouldRetry: (e) => e instanceof Transient,
        policy: { baseMs: 100, capMs: 300, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) },
      },
    ).catch((e: unknown) => e);
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(sleeps).toEqual([50, 100, 150]);
    expect((error as Error).message).toBe('attempt 4');
  });

  it('does not retry an error the caller does not consider retryable', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('bad input');
        },
        { shouldRetry: (e) => e instanceof Transient, policy: { sleep: async () => undefined } },
      ),
    ).rejects.toThrow('bad input');
    expect(calls).toBe(1);
  });

  it('returns the first success and reports each retry', async () => {
    const events: string[] = [];
    const result = await withRetry(
      async (attempt) => {
        if (attempt < 3) throw new Transient('flaky');
        return 'done';
      },
      {
        shouldRetry: () => true,
        policy: { baseMs: 10, random: () => 0.5, sleep: async () => undefined },
        onRetry: (e) => events.push(`attempt ${e.attempt} failed, waiting ${e.delayMs}ms`),
      },
    );
    expect(result).toBe('done');
    expect(events).toEqual(['attempt 1 failed, waiting 5ms', 'attempt 2 failed, waiting 10ms']);
  });

  it('stops retrying when the signal aborts during the wait', async () => {
    const controller = new AbortController();
    let calls = 0;
    const pending = withRetry(
      async () => {
        calls++;
        throw new Transient('down');
      },
      { shouldRetry: () => true, signal: controller.signal, policy: { baseMs: 60_000, capMs: 60_000, random: () => 1 } },
    );
    setImmediate(() => controller.abort());
    await expect(pending).rejects.toThrow('down');
    expect(calls).toBe(1);
  });

  it('an abortable sleep ends when its signal aborts', async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(60_000, controller.signal);
    controller.abort();
    await expect(sleeping).resolves.toBeUndefined();
  });
});
