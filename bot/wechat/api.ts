import type { Logger } from "../../core/logger.js";

/** https://api.weixin.qq.com unless configured (a proxy, or the tests' fake on 127.0.0.1). */
export const DEFAULT_API_ROOT = "https://api.weixin.qq.com";

/** The access token is invalid or expired: fetched again once and the call repeated. */
const TOKEN_ERRORS = new Set([40001, 40014, 42001]);
/**
 * The person cannot be written to: 45015 the 48 hours since their last message have passed (or they
 * unfollowed), 43004 they do not follow the account, 45047 the messages allowed without an answer are used up.
 */
export const UNREACHABLE_ERRORS = new Set([45015, 43004, 45047]);

export class WechatApiError extends Error {
  override name = "WechatApiError";
  constructor(
    readonly errcode: number,
    errmsg: string,
  ) {
    super(`WeChat API error ${errcode}: ${errmsg}`);
  }
  get unreachable(): boolean {
    return UNREACHABLE_ERRORS.has(this.errcode);
  }
}

export interface WechatApiConfig {
  appId: string;
  appSecret: string;
  apiRoot?: string;
  logger: Logger;
  now?: () => number;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
}

export interface WechatApi {
  /** The customer-service message API: one text message to a follower within 48 hours of their last message. */
  sendText(openId: string, content: string): Promise<void>;
  /** The cached access token, fetched when missing or near its expiry (or when `force`). */
  accessToken(force?: boolean): Promise<string>;
}

interface ApiAnswer {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  expires_in?: number;
}

/**
 * The few calls the adapter makes. The access token (valid 7,200 s) is cached and fetched again 5 minutes before
 * it runs out, or at once when WeChat says it is invalid or expired (another process fetched a new one, say);
 * concurrent callers share one fetch. Only one process should hold an account's token: each fetch invalidates
 * the previous token after a short grace period.
 */
export function createWechatApi(config: WechatApiConfig): WechatApi {
  const root = (config.apiRoot ?? DEFAULT_API_ROOT).replace(/\/+$/, "");
  const now = config.now ?? Date.now;
  const timeoutMs = config.timeoutMs ?? 10_000;
  let cached: { token: string; refreshAt: number } | undefined;
  let fetching: Promise<string> | undefined;

  async function request(url: string, init?: RequestInit): Promise<ApiAnswer> {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`WeChat API answered HTTP ${res.status}`);
    const body = (await res.json()) as unknown;
    if (typeof body !== "object" || body === null) throw new Error("WeChat API answered without an object");
    return body as ApiAnswer;
  }

  async function fetchToken(): Promise<string> {
    const q = new URLSearchParams({
      grant_type: "client_credential",
      appid: config.appId,
      secret: config.appSecret,
    });
    const body = await request(`${root}/cgi-bin/token?${q}`);
    if (body.errcode) throw new WechatApiError(body.errcode, body.errmsg ?? "");
    if (typeof body.access_token !== "string" || !body.access_token)
      throw new Error("WeChat API gave no access token");
    const seconds = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 7200;
    cached = { token: body.access_token, refreshAt: now() + Math.max(seconds - 300, seconds / 2) * 1000 };
    return body.access_token;
  }

  async function accessToken(force = false): Promise<string> {
    if (!force && cached && now() < cached.refreshAt) return cached.token;
    if (force) cached = undefined;
    fetching ??= fetchToken().finally(() => {
      fetching = undefined;
    });
    return fetching;
  }

  async function post(path: string, payload: unknown): Promise<void> {
    let token = await accessToken();
    for (let attempt = 0; ; attempt++) {
      const body = await request(`${root}${path}?access_token=${encodeURIComponent(token)}`, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        // WeChat shows \uXXXX escapes literally in some clients: send the characters themselves.
        body: JSON.stringify(payload),
      });
      if (!body.errcode) return;
      if (TOKEN_ERRORS.has(body.errcode) && attempt === 0) {
        config.logger.info({ errcode: body.errcode }, "wechat: access token refused; fetching a new one");
        // Another caller may already have replaced it: only force a fetch for the token that failed.
        token = cached && cached.token !== token ? cached.token : await accessToken(true);
        continue;
      }
      throw new WechatApiError(body.errcode, body.errmsg ?? "");
    }
  }

  return {
    accessToken,
    sendText: (openId, content) =>
      post("/cgi-bin/message/custom/send", { touser: openId, msgtype: "text", text: { content } }),
  };
}
