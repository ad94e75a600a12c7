import { api, session } from "./session.js";

// Live updates: one event stream per view; `handler` gets each named event, and "open" on (re)connect.

const streams: Record<string, EventSource> = {};

export function listen<D>(
  name: string,
  path: string,
  types: string[],
  handler: (type: string, data: Partial<D>) => void,
): void {
  if (streams[name] || !window.EventSource || !session.me) return;
  const s = new EventSource(path);
  streams[name] = s;
  for (const type of types)
    s.addEventListener(type, (e) => {
      let d: Partial<D> = {};
      try {
        d = JSON.parse((e as MessageEvent<string>).data);
      } catch {
        /* ignore */
      }
      handler(type, d);
    });
  s.addEventListener("open", () => handler("open", {}));
  s.onerror = () => {
    if (streams[name] === s && s.readyState === EventSource.CLOSED) {
      delete streams[name];
      setTimeout(() => {
        if (!session.me) return;
        listen(name, path, types, handler);
        api("me").catch(() => {});
      }, 5000);
    }
  };
}

export function closeStreams(): void {
  for (const k of Object.keys(streams)) {
    streams[k]?.close();
    delete streams[k];
  }
}
