import pino, { type DestinationStream, type Logger } from "pino";
import { maskPersonalNumbers } from "./redact.js";

/** Keeps the first 3 and last 2 characters so staff can still tell two numbers apart in a log. */
export const mask = maskPersonalNumbers;

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return mask(value);
  if (value === null || typeof value !== "object") return value;
  // Deeper than this, the rest is logged as masked JSON rather than as it came.
  if (depth > 6) {
    try {
      return mask(JSON.stringify(value));
    } catch {
      return "[unserialisable]";
    }
  }
  if (value instanceof Error) {
    const cause = (value as { cause?: unknown }).cause;
    return {
      type: value.name,
      message: mask(value.message),
      stack: value.stack === undefined ? undefined : mask(value.stack),
      ...(cause === undefined ? {} : { cause: maskDeep(cause, depth + 1) }),
    };
  }
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
  return out;
}

/**
 * Every string field, and the message itself, passes through `mask`: ID and phone numbers never reach a log,
 * whichever module logs them.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      formatters: { log: (obj) => maskDeep(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === "string" ? mask(a) : a));
          // log.error({ err }) with no message: pino would take the error's own message, unmasked, as msg.
          const first = masked[0] as { err?: unknown } | undefined;
          if (masked.length === 1 && first && typeof first === "object" && first.err instanceof Error)
            masked.push(mask(first.err.message));
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}

export type { Logger };
