import { esc, sections } from "./markup.js";

// The citizen's web chat: one small page, no framework, no CDN; it must load fast over a weak rural mobile
// connection.

type From = "citizen" | "bot" | "staff";
interface Reply {
  text: string;
  kind?: string;
  sender?: string;
  buttons?: { label: string; payload: string }[];
  calls?: { label: string; number: string }[];
}
interface Line extends Reply {
  id: number;
  from: From;
}
interface ChatAnswer {
  conversationId?: string;
  replies: Reply[];
  error?: undefined;
}
interface Failure {
  error: string;
  final?: boolean;
}

const KEY = "shouwang.conversationId";
const log = document.getElementById("log") as HTMLElement;
const form = document.getElementById("f") as HTMLFormElement;
const input = document.getElementById("t") as HTMLTextAreaElement;
const statusEl = document.getElementById("status") as HTMLElement;
const shown = new Set<number>();
let conversationId = localStorage.getItem(KEY);
let stream: EventSource | null = null;

// A v4 UUID even where crypto.randomUUID is missing (plain-HTTP pages on a LAN address are not a secure context).
const uid = (): string => {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] as number) & 15) | 64;
  b[8] = ((b[8] as number) & 63) | 128;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

function bubble(from: From, text: string, opts: Partial<Reply> = {}): HTMLDivElement {
  const div = document.createElement("div");
  div.className = `msg ${from}${opts.kind === "crisis" ? " crisis" : opts.kind === "campaign" ? " notice" : ""}`;
  const who = from === "staff" ? `<span class="who">${esc(opts.sender || "工作人员")}</span>` : "";
  div.innerHTML = who + (from === "citizen" ? esc(text) : sections(text));
  log.appendChild(div);
  if (opts.calls?.length) {
    // Large call buttons: one tap dials on a phone. Red only for the crisis reply; an office's hotline is no alarm.
    const calls = document.createElement("div");
    calls.className = opts.kind === "crisis" ? "calls" : "calls plain";
    for (const c of opts.calls) {
      if (!/^\d{3,5}$/.test(c.number)) continue;
      const a = document.createElement("a");
      a.href = `tel:${c.number}`;
      a.textContent = `📞 ${c.label}`;
      calls.appendChild(a);
    }
    log.appendChild(calls);
  }
  if (opts.buttons?.length) {
    const chips = document.createElement("div");
    chips.className = "chips";
    for (const b of opts.buttons) {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.label;
      btn.addEventListener("click", () => {
        // Pressed once: the choice is made, so the row cannot send it twice.
        for (const other of chips.querySelectorAll("button")) other.disabled = true;
        send(b.payload);
      });
      chips.appendChild(btn);
    }
    log.appendChild(chips);
  }
  log.scrollTop = log.scrollHeight;
  return div;
}

function openStream(): void {
  if (!conversationId || stream || !window.EventSource) return;
  stream = new EventSource(`/api/conversations/${conversationId}/stream`);
  stream.addEventListener("reply", (e) => {
    const m = JSON.parse((e as MessageEvent<string>).data) as Partial<Line> & { text: string };
    if (m.id && shown.has(m.id)) return;
    if (m.id) shown.add(m.id);
    bubble(m.from || "staff", m.text, m);
  });
}

async function post(
  body: { text: string; messageId: string },
  attempt: number,
): Promise<ChatAnswer | Failure> {
  try {
    const res = await fetch("/api/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) return { error: data.message || `请求失败（${res.status}）`, final: res.status < 500 };
    return data as ChatAnswer;
  } catch {
    // A flaky mobile network: retry the same messageId, the server answers it once.
    if (attempt < 3) {
      await new Promise((r) => setTimeout(r, 800 * 2 ** attempt));
      return post(body, attempt + 1);
    }
    return { error: "网络不稳定，消息未送达" };
  }
}

async function send(raw: string, existing?: HTMLDivElement): Promise<void> {
  const text = raw.trim();
  if (!text) return;
  // Buttons further up answer questions already past: only the newest reply's buttons stay live.
  for (const old of log.querySelectorAll<HTMLButtonElement>(".chips button")) old.disabled = true;
  const el = existing || bubble("citizen", text);
  el.classList.add("pending");
  el.classList.remove("failed");
  const messageId = el.dataset.mid || uid();
  el.dataset.mid = messageId;
  statusEl.textContent = "正在回复…";
  // The conversation belongs to this browser through an HttpOnly cookie the server sets on the first reply; a
  // retried first message carries the same messageId, so the server finds the same conversation.
  const data = await post({ text, messageId }, 0);
  statusEl.textContent = "";
  el.classList.remove("pending");
  if (data.error !== undefined) {
    el.classList.add("failed");
    el.onclick = () => send(text, el);
    statusEl.textContent = data.error;
    return;
  }
  el.onclick = null;
  if (data.conversationId && data.conversationId !== conversationId) {
    conversationId = data.conversationId;
    localStorage.setItem(KEY, conversationId);
    if (stream) {
      stream.close();
      stream = null;
    }
  }
  openStream();
  for (const r of data.replies) bubble("bot", r.text, r);
}

async function restore(): Promise<void> {
  if (!conversationId) {
    bubble("bot", "你好，我是「守望」。可以直接用中文问我政策法规问题、说说心里的烦恼，或者反映诉求。", {
      buttons: ["咨询政策法规", "心理支持", "我要投诉", "查询进度", "转人工"].map((l) => ({
        label: l,
        payload: l,
      })),
    });
    return;
  }
  try {
    const res = await fetch(`/api/conversations/${conversationId}/messages`);
    if (res.status === 404 || res.status === 401) {
      localStorage.removeItem(KEY);
      conversationId = null;
      return restore();
    }
    const data = (await res.json()) as { messages?: Line[] };
    const msgs = data.messages || [];
    msgs.forEach((m, i) => {
      shown.add(m.id);
      // Only the newest message's buttons are still meaningful.
      bubble(m.from, m.text, i === msgs.length - 1 ? m : { kind: m.kind, calls: m.calls, sender: m.sender });
    });
  } catch {
    statusEl.textContent = "网络不稳定，历史记录暂时无法加载";
  }
  openStream();
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  const text = input.value;
  input.value = "";
  send(text);
});
input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    form.requestSubmit();
  }
});
restore();
