/** When to try Telegram again and how to wait: transient failures, a short description for logs, an abortable sleep. */
import { GrammyError, HttpError } from "grammy";

/** Waits `ms`; resolves false at once when `signal` aborts (the channel is stopping). */
export const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<boolean>((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });

/** Telegram unreachable, rate-limited beyond auto-retry's patience, or failing on its side: try again later. */
export function isTransient(err: unknown): boolean {
  if (err instanceof HttpError) return true;
  if (err instanceof GrammyError) return err.error_code === 429 || err.error_code >= 500;
  return false;
}

export function describe(err: unknown): string {
  if (err instanceof GrammyError) return `${err.error_code} ${err.description}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
