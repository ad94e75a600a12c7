/** A refused request: the server's message, its error code (`forbidden`, `not_found`, …) and HTTP status. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * A staff API call under /console/api/: a GET without a body, else a POST of JSON with the session's CSRF token.
 * `prefixes` put words before the server's message by error code ("无权操作：" …).
 */
export async function request<T>(
  path: string,
  body: unknown,
  csrf: string,
  prefixes: Record<string, string> = {},
): Promise<T> {
  const opts: RequestInit =
    body === undefined
      ? {}
      : {
          method: "POST",
          headers: { "content-type": "application/json", "x-csrf-token": csrf },
          body: JSON.stringify(body),
        };
  let res: Response;
  try {
    res = await fetch(`/console/api/${path}`, opts);
  } catch {
    throw new Error("网络错误，请稍后重试");
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const code = typeof data.error === "string" ? data.error : undefined;
    const prefix = (code && prefixes[code]) || "";
    throw new ApiError(prefix + (data.message || `请求失败（${res.status}）`), code, res.status);
  }
  return data as T;
}
