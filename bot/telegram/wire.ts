import { AsyncLocalStorage } from "node:async_hooks";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import { crashPoint } from "./crash.js";

/** Statuses whose Response may not carry a body (the WHATWG constructor throws otherwise). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export interface WireFetch {
  /** For grammY's `ApiClientOptions.fetch`. */
  fetch: typeof fetch;
  /**
   * Runs `call` so that a request it makes through `fetch` calls `onWire` once a connected socket is ready for
   * it, immediately before its bytes are written: in the same synchronous step as the write, with no await
   * between them, so that until `onWire` has returned no byte of the request can have reached the kernel.
   * grammY calls fetch synchronously from the innermost transformer's `prev()`, so the context reaches it without
   * anything added to the payload.
   */
  onWire<T>(onWire: () => void, call: () => T): T;
}

const abortError = () => new DOMException("This operation was aborted", "AbortError");

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init?.headers).forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

function responseOf(res: IncomingMessage, body: Buffer): Response {
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) {
      try {
        headers.append(k, one);
      } catch {
        // A header undici finds malformed: grammY reads only the JSON body, so dropping it changes nothing.
      }
    }
  }
  const status = res.statusCode ?? 0;
  return new Response(NULL_BODY.has(status) ? null : (body as Uint8Array<ArrayBuffer>), {
    status,
    statusText: res.statusMessage ?? "",
    headers,
  });
}

/**
 * A fetch for the Bot API on `node:http(s)` with keep-alive agents, written because grammY's default
 * (node-fetch) cannot say when a request actually leaves: the send journal must know the last moment at which
 * Telegram certainly does not have the request, not merely that "the HTTP client was called". Until then a request
 * may still be waiting for a socket, connecting, or in TLS; a kill there means Telegram never saw it, and the
 * reply must be sent again rather than taken as delivered. From the write on, the kernel transmits the bytes even
 * if the process dies at once.
 *
 * So a marked request is not written when grammY hands it over: it waits for its socket (and the connection, and
 * TLS), then the mark is made and the whole request written in one synchronous step. The mark must come first:
 * Node reports a write's completion ('finish') only a tick later, after every other request flushed in the same
 * tick has been written too, and a kill in between would leave requests Telegram already had journaled as never
 * sent.
 *
 * Bodies other than a string or bytes (grammY's multipart streams for file uploads) go to the global fetch
 * unmarked: nothing journaled is ever uploaded as a file.
 */
export function createWireFetch(options: { maxSockets?: number } = {}): WireFetch {
  const marks = new AsyncLocalStorage<() => void>();
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? Number.POSITIVE_INFINITY };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);

  const wireFetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const body = init?.body;
    const url = typeof input === "string" ? new URL(input) : input instanceof URL ? input : undefined;
    const plain = body == null || typeof body === "string" || body instanceof Uint8Array;
    if (!url || !plain || (url.protocol !== "http:" && url.protocol !== "https:")) {
      return fetch(input, { ...init, duplex: "half" } as RequestInit);
    }
    const onWire = marks.getStore();
    const signal = init?.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const data = body == null ? undefined : typeof body === "string" ? Buffer.from(body, "utf8") : body;
      const headers = headersOf(init);
      if (data) headers["content-length"] = String(data.byteLength);
      const https = url.protocol === "https:";
      const req = (https ? httpsRequest : httpRequest)(url, {
        method: init?.method ?? "GET",
        headers,
        agent: https ? httpsAgent : httpAgent,
      });
      const onAbort = () => req.destroy(abortError());
      signal?.addEventListener("abort", onAbort, { once: true });
      const done = () => signal?.removeEventListener("abort", onAbort);
      req.on("error", (err) => {
        done();
        reject(signal?.aborted ? abortError() : err);
      });
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (err) => {
          done();
          reject(err);
        });
        res.on("end", () => {
          done();
          try {
            resolve(responseOf(res, Buffer.concat(chunks)));
          } catch (err) {
            reject(err);
          }
        });
        res.on("close", () => {
          done();
          if (!res.complete) reject(new Error("the connection closed before the response was complete"));
        });
      });
      if (!onWire) {
        req.end(data);
        return;
      }
      req.once("finish", () => crashPoint("send:finish"));
      // With a socket that is connected (and through TLS), `end` hands the whole request to the kernel before it
      // returns (corked, one writev): nothing can run between the mark and the write.
      const write = () => {
        if (req.destroyed) return;
        crashPoint("send:before-W");
        onWire();
        req.end(data);
        crashPoint("send:written");
      };
      // A new socket is still connecting when it is handed over (a reused one has long finished its handshake).
      req.once("socket", (socket: Socket) => {
        if (socket.connecting) socket.once(https ? "secureConnect" : "connect", write);
        else write();
      });
    });
  };

  return {
    fetch: wireFetch as typeof fetch,
    onWire: (onWire, call) => marks.run(onWire, call),
  };
}
