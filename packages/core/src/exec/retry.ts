/**
 * Retries with exponential backoff and full jitter (AWS architecture blog, "Exponential Backoff and
 * Jitter"): the n-th wait is uniform in [0, min(cap, base * 2^n)), so many CI jobs hitting the same
 * rate-limited registry spread out instead of retrying in lockstep.
 */

export interface RetryPolicy {
  /** Retries after the first attempt (so `retries + 1` attempts in all). */
  retries: number;
  baseMs: number;
  capMs: number;
  /** Injected for tests of the schedule; defaults to a timer that an AbortSignal cuts short. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injected for deterministic tests; defaults to Math.random (uniform in [0, 1)). */
  random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 3,
  baseMs: 1000,
  capMs: 30_000,
  sleep: abortableSleep,
  random: Math.random,
};

/** The wait before retry number `retry` (0-based): full jitter over the capped exponential. */
export function backoffDelay(retry: number, policy: Pick<RetryPolicy, 'baseMs' | 'capMs' | 'random'>): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** retry);
  return Math.floor(policy.random() * ceiling);
}

export interface RetryEvent {
  /** The attempt that just failed, 1-based. */
  attempt: number;
  delayMs: number;
  error: unknown;
}

/**
 * Runs `task` until it succeeds, fails with an error `shouldRetry` rejects, or runs out of retries;
 * the last error is rethrown. An aborted signal stops the waiting and rethrows the last error.
 */
export async function withRetry<T>(
  task: (attempt: number) => Promise<T>,
  options: {
    shouldRetry: (error: unknown) => boolean;
    policy?: Partial<RetryPolicy>;
    signal?: AbortSignal;
    onRetry?: (event: RetryEvent) => void;
  },
): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  for (let attempt = 1; ; attempt++) {
    try {
      return await task(attempt);
    } catch (error) {
      const retry = attempt - 1;
      if (retry >= policy.retries || !options.shouldRetry(error) || options.signal?.aborted) throw error;
      const delayMs = backoffDelay(retry, policy);
      options.onRetry?.({ attempt, delayMs, error });
      await policy.sleep(delayMs, options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}

/** Resolves after `ms`, or early when `signal` aborts (the caller checks `signal.aborted`). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
