export type AppErrorCode =
  | "bad_input"
  | "too_large"
  | "not_found"
  | "unauthorized"
  | "forbidden"
  | "conflict"
  | "illegal_transition"
  | "rate_limited"
  | "unavailable"
  | "internal";

const HTTP_STATUS: Record<AppErrorCode, number> = {
  bad_input: 400,
  too_large: 413,
  not_found: 404,
  unauthorized: 401,
  forbidden: 403,
  conflict: 409,
  illegal_transition: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** The one error type the core throws; adapters map `code` to an HTTP status or a chat reply at the edge. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  constructor(code: AppErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AppError";
    this.code = code;
  }
  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
