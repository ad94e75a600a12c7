import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildServer } from "../bot/server.js";
import type { PageNotice } from "../handoff/case-paging.js";
import type { StaffMember } from "../handoff/roster.js";
import { onDutyCounselor, testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

/**
 * Crisis floods from one web client: fresh conversations that each read as crisis join the client's open crisis
 * case (one case, one page), while every one of them still gets the hotline numbers at once.
 */
let a: Awaited<ReturnType<typeof testAssistant>>;
let app: FastifyInstance;
afterEach(async () => {
  app?.server.closeAllConnections();
  await app?.close();
  await a?.cleanup();
});

let clock = new Date("2026-11-27T02:00:00Z"); // Friday 10:00 in Hohhot
const now = () => clock;
const advanceMinutes = (m: number) => {
  clock = new Date(clock.getTime() + m * 60_000);
};

interface Started {
  conversationId: string;
  conversationToken: string;
  replies: { kind: string; text: string }[];
  duplicate: boolean;
}

/** A counselor on duty, the server, and every page counted as a pager (Slack) would see it. */
async function setup(at = new Date("2026-11-27T02:00:00Z")) {
  clock = at;
  a = await testAssistant({ now });
  const wang = await onDutyCounselor(a);
  app = await buildServer(a);
  const pages: PageNotice[] = [];
  a.handoff.addPager({ page: (n) => pages.push(n) });
  const consolePages: unknown[] = [];
  a.live.subscribe("staff", (e) => {
    if (e.type === "page") consolePages.push(e.data);
  });
  return { wang, pages, consolePages };
}

/** A first message: no token, a fresh conversation. */
const start = async (text: string, remoteAddress = "203.0.113.9", messageId?: string) => {
  const r = await app.inject({
    method: "POST",
    url: "/api/chat",
    remoteAddress,
    payload: messageId ? { text, messageId } : { text },
  });
  expect(r.statusCode).toBe(200);
  return r.json() as Started;
};
const send = async (s: Started, text: string, remoteAddress = "203.0.113.9", messageId?: string) => {
  const r = await app.inject({
    method: "POST",
    url: "/api/chat",
    remoteAddress,
    headers: { authorization: `Bearer ${s.conversationToken}` },
    payload: messageId ? { text, messageId } : { text },
  });
  expect(r.statusCode).toBe(200);
  return r.json() as Started;
};
/** What the citizen's page shows of the conversation. */
const transcript = async (s: Started) => {
  const r = await app.inject({
    url: `/api/conversations/${s.conversationId}/messages`,
    headers: { authorization: `Bearer ${s.conversationToken}` },
  });
  expect(r.statusCode).toBe(200);
  return (r.json().messages as { from: string; text: string }[]).map((m) => `${m.from}: ${m.text}`);
};
const openCases = async () =>
  (
    await a.db.all<{ id: string; conversation_id: string }>(
      "SELECT id, conversation_id FROM cases WHERE state IN ('waiting', 'claimed', 'active', 'transferred')",
    )
  ).map((r) => r.conversation_id);
const joinRows = async () =>
  a.db.all<{ case_id: string; conversation_id: string }>(
    "SELECT case_id, conversation_id FROM case_conversations",
  );
const hotlines = (r: Started) => r.replies.map((x) => x.text).join("\n");

async function login(app: FastifyInstance, username: string) {
  const r = await app.inject({
    method: "POST",
    url: "/console/api/login",
    payload: { username, password: `${username}-password-1` },
  });
  expect(r.statusCode).toBe(200);
  return { cookie: String(r.headers["set-cookie"]).split(";")[0] ?? "", csrf: r.json().csrf as string };
}

forEachStore((store) =>
  describe("one case for repeated crises from one client", () => {
    it("answers 50 crisis messages in fresh conversations from one address with the hotlines, in one case paged once", async () => {
      const { wang, pages, consolePages } = await setup();
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, i) => start(i % 2 ? "我不想活了" : "活着没意思，我想死")),
      );
      for (const r of replies) {
        expect(r.replies[0]?.kind).toBe("crisis");
        expect(hotlines(r)).toContain("12356");
        expect(hotlines(r)).toContain("110");
        expect(hotlines(r)).toContain("120");
      }
      expect(new Set(replies.map((r) => r.conversationId)).size).toBe(50);
      expect(await openCases()).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 50));
      expect(pages.filter((p) => p.reason === "new")).toHaveLength(1);
      expect(pages).toHaveLength(1);
      expect(consolePages).toHaveLength(1);
      expect(await a.db.all("SELECT id FROM case_events WHERE type = 'paged'")).toHaveLength(1);
      expect(await a.db.all("SELECT id FROM case_events WHERE type = 'joined'")).toHaveLength(49);
      // The queue shows one case holding all 50 conversations.
      const queue = await a.handoff.queue(wang);
      expect(queue.map((c) => c.conversations)).toEqual([50]);
      // The address itself is stored nowhere.
      if (store.kind === "sqlite") {
        await a.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
        for (const f of readdirSync(a.dir).filter((f) => f.startsWith("test.db")))
          expect(readFileSync(join(a.dir, f)).includes("203.0.113.9")).toBe(false);
      } else {
        const stored = await a.db.all<{ t: string | null }>(
          `SELECT client_key AS t FROM cases UNION ALL SELECT payload FROM case_events
         UNION ALL SELECT payload FROM events UNION ALL SELECT detail FROM audit_log`,
        );
        expect(stored.some((r) => (r.t ?? "").includes("203.0.113.9"))).toBe(false);
      }
    });

    it("keeps a flood that goes on for half an hour in one case", async () => {
      const { pages } = await setup();
      const first = await start("我不想活了");
      for (let i = 0; i < 6; i++) {
        advanceMinutes(5);
        expect(hotlines(await start("我不想活了"))).toContain("12356");
      }
      expect(await openCases()).toEqual([first.conversationId]);
      expect(await joinRows()).toHaveLength(6);
      await new Promise((r) => setTimeout(r, 50));
      expect(pages.filter((p) => p.reason === "new")).toHaveLength(1);
    });

    it("gives a joined conversation the same crisis reply as the first, counselor online or not", async () => {
      const { wang } = await setup();
      const first = await start("我不想活了");
      const second = await start("我不想活了");
      expect(second.replies.map((r) => r.text)).toEqual(first.replies.map((r) => r.text));
      expect(hotlines(second)).toContain("暂时没有心理咨询师在线");
      // With the counselor's console open, both are told a counselor is being contacted.
      const off = a.presence.connect(wang.id);
      advanceMinutes(11);
      const third = await start("我不想活了");
      const fourth = await start("我不想活了");
      off();
      expect(hotlines(third)).not.toContain("暂时没有心理咨询师在线");
      expect(fourth.replies.map((r) => r.text)).toEqual(third.replies.map((r) => r.text));
      expect(await openCases()).toEqual([first.conversationId, third.conversationId]);
    });

    it("opens separate cases for two addresses, for the same address 11 minutes after its last crisis, and never joins a non-crisis conversation", async () => {
      const { pages } = await setup();
      const one = await start("我不想活了", "203.0.113.9");
      const other = await start("我不想活了", "198.51.100.20");
      expect((await openCases()).sort()).toEqual([one.conversationId, other.conversationId].sort());
      advanceMinutes(9);
      const within = await start("我不想活了", "203.0.113.9");
      expect(await openCases()).toHaveLength(2);
      advanceMinutes(11); // 11 minutes after the last crisis from this address
      const later = await start("我不想活了", "203.0.113.9");
      expect(hotlines(later)).toContain("12356");
      expect(await openCases()).toContain(later.conversationId);
      // Asking for a person, or asking a question, from the same address joins nothing.
      const human = await start("转人工", "203.0.113.9");
      const question = await start("申请劳动仲裁需要什么材料", "203.0.113.9");
      expect(question.replies[0]?.kind).toBe("answer");
      expect(await openCases()).toContain(human.conversationId);
      expect(await openCases()).toHaveLength(4);
      const joined = (await joinRows()).map((r) => r.conversation_id);
      expect(joined).toEqual([within.conversationId]);
      await new Promise((r) => setTimeout(r, 50));
      expect(pages.filter((p) => p.reason === "new")).toHaveLength(4);
    });

    it("delivers a counselor's reply to every conversation of the case, shows the joined one's messages, and resolves them all", async () => {
      const { wang } = await setup();
      await app.listen({ port: 0, host: "127.0.0.1" });
      const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      const first = await start("我不想活了");
      const joined = await start("真的撑不下去了，不想活了");
      expect(await openCases()).toEqual([first.conversationId]);
      const caseId = (await a.db.get<{ id: string }>("SELECT id FROM cases"))?.id as string;

      // The joined citizen's open page, on its live stream.
      const stream = await fetch(`${base}/api/conversations/${joined.conversationId}/stream`, {
        headers: { authorization: `Bearer ${joined.conversationToken}` },
      });
      expect(stream.status).toBe(200);
      const reader = stream.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
      let streamed = "";
      const heard = (text: string) =>
        Promise.race([
          (async () => {
            while (!streamed.includes(text)) {
              const chunk = await reader.read();
              if (chunk.done) return false;
              streamed += new TextDecoder().decode(chunk.value);
            }
            return true;
          })(),
          new Promise<boolean>((r) => setTimeout(() => r(false), 5_000)),
        ]);

      const staff = await login(app, "wang");
      const post = (url: string, payload: unknown) =>
        app.inject({
          method: "POST",
          url,
          headers: { cookie: staff.cookie, "x-csrf-token": staff.csrf },
          payload: payload as Record<string, unknown>,
        });
      expect((await post(`/console/api/cases/${caseId}/claim`, {})).statusCode).toBe(200);
      expect(
        (await post(`/console/api/cases/${caseId}/reply`, { text: "我是王老师，我在这里陪你" })).statusCode,
      ).toBe(200);
      expect(await heard("我是王老师，我在这里陪你")).toBe(true);
      for (const s of [first, joined]) {
        const lines = await transcript(s);
        expect(lines).toContain("staff: 我是王老师，我在这里陪你");
        // Both heard that a counselor took the case.
        expect(lines.some((l) => l.includes("（心理咨询师）已接入"))).toBe(true);
      }

      // The joined conversation now talks to the counselor: the bot keeps quiet and the counselor sees it.
      const next = await send(joined, "老师，我还在，我好害怕");
      expect(next.replies).toEqual([]);
      const view = await app.inject({
        url: `/console/api/cases/${caseId}`,
        headers: { cookie: staff.cookie },
      });
      expect(view.statusCode).toBe(200);
      const body = view.json() as {
        case: { conversationId: string };
        joined: { conversationId: string; transcript: { type: string; payload: { text?: string } }[] }[];
      };
      expect(body.case.conversationId).toBe(first.conversationId);
      expect(body.joined.map((j) => j.conversationId)).toEqual([joined.conversationId]);
      expect(body.joined[0]?.transcript.map((e) => e.payload.text)).toContain("老师，我还在，我好害怕");
      // Staff see conversation ids, never a conversation's token.
      expect(view.body).not.toContain(first.conversationToken.split(".")[1]);
      expect(view.body).not.toContain(joined.conversationToken.split(".")[1]);
      const audited = await a.db.all<{ conversation_id: string }>(
        "SELECT conversation_id FROM audit_log WHERE action = 'view_transcript' AND case_id = ?",
        [caseId],
      );
      expect(audited.map((r) => r.conversation_id).sort()).toEqual(
        [first.conversationId, joined.conversationId].sort(),
      );
      const queue = await app.inject({ url: "/console/api/queue", headers: { cookie: staff.cookie } });
      expect(queue.json().cases.map((c: { conversations: number }) => c.conversations)).toEqual([2]);

      // Resolving ends the case for both: each is told, and each is back with the bot.
      expect((await post(`/console/api/cases/${caseId}/resolve`, { outcome: "已疏导" })).statusCode).toBe(
        200,
      );
      expect(await openCases()).toEqual([]);
      for (const s of [first, joined]) {
        expect((await transcript(s)).at(-1)).toContain("12356");
        const after = await send(s, "申请劳动仲裁需要什么材料");
        expect(after.replies[0]?.kind).toBe("answer");
      }
      await reader.cancel();
      expect((await a.handoff.queue(wang as StaffMember)).length).toBe(0);
    }, 20_000);

    it("raises a joined case to imminent once, paging for the rise once however many follow", async () => {
      const { wang, pages } = await setup();
      await start("我不想活了");
      const replies = [];
      for (let i = 0; i < 10; i++) replies.push(await start("我已经站在楼顶了，马上就跳"));
      for (const r of replies) expect(hotlines(r)).toContain("120");
      const [c] = await a.handoff.queue(wang);
      expect(c?.risk).toBe("imminent");
      expect(c?.conversations).toBe(11);
      await new Promise((r) => setTimeout(r, 50));
      expect(pages.map((p) => p.reason)).toEqual(["new", "risk_raised"]);
    });

    it("answers a redelivered message once: no second reply and no second join", async () => {
      // Today's clock: the web chat finds a retried first message's conversation only while it is new, by the
      // server's own time.
      const { pages } = await setup(new Date());
      await start("我不想活了");
      const messageId = "7d1e2f30-4a5b-4c6d-8e9f-a0b1c2d3e4f5";
      const joined = await start("我不想活了", "203.0.113.9", messageId);
      const retry = await start("我不想活了", "203.0.113.9", messageId);
      expect(retry.conversationId).toBe(joined.conversationId);
      expect(retry.duplicate).toBe(true);
      expect(retry.replies.map((r) => r.text)).toEqual(joined.replies.map((r) => r.text));
      const again = await send(joined, "我不想活了", "203.0.113.9", messageId);
      expect(again.duplicate).toBe(true);
      expect(await joinRows()).toHaveLength(1);
      expect((await transcript(joined)).filter((l) => l.startsWith("bot:"))).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 50));
      expect(pages).toHaveLength(1);
    });
  }),
);
