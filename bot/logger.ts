import pino, { type DestinationStream, type Logger } from "pino";
import { PHONE_PATTERN, redactIdNumbers } from "../intents/entities.js";

/** Keeps the first 3 and last 2 characters so staff can still tell two numbers apart in a log. */
export function mask(text: string): string {
  return redactIdNumbers(text).replace(PHONE_PATTERN, (m) => `${m.slice(0, 3)}******${m.slice(-2)}`);
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return mask(value);
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return { type: value.name, message: mask(value.message), stack: value.stack };
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
          method.apply(
            this,
            args.map((a) => (typeof a === "string" ? mask(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    options.destination,
  );
}

export type { Logger };
