/**
 * A token bucket: at most `rate` takes per second on average, at most `burst` at once. Sends are spread evenly
 * instead of bunched at the top of each second, which is what a platform's sliding-window limit wants; `hold`
 * stops everything until a platform's retry_after has passed.
 */
export interface Pacer {
  take(signal?: AbortSignal): Promise<boolean>;
  hold(ms: number): void;
}

export function createPacer(rate: number, burst = Math.max(1, Math.floor(rate / 20))): Pacer {
  if (!(rate > 0)) throw new Error("pacer: rate must be positive");
  let tokens = 0;
  let last = performance.now();
  let heldUntil = 0;
  const sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<boolean>((resolve) => {
      if (signal?.aborted) return resolve(false);
      const t = setTimeout(() => {
        signal?.removeEventListener("abort", stop);
        resolve(true);
      }, ms);
      const stop = () => {
        clearTimeout(t);
        resolve(false);
      };
      signal?.addEventListener("abort", stop, { once: true });
    });
  return {
    async take(signal) {
      for (;;) {
        const now = performance.now();
        if (now < heldUntil) {
          if (!(await sleep(heldUntil - now, signal))) return false;
          // After a hold the bucket starts empty: the platform counts from the end of its penalty.
          last = performance.now();
          tokens = 0;
          continue;
        }
        tokens = Math.min(burst, tokens + ((now - last) * rate) / 1000);
        last = now;
        if (tokens >= 1) {
          tokens -= 1;
          return true;
        }
        if (!(await sleep(Math.max(1, Math.ceil(((1 - tokens) * 1000) / rate)), signal))) return false;
      }
    },
    hold(ms) {
      heldUntil = Math.max(heldUntil, performance.now() + ms);
    },
  };
}
