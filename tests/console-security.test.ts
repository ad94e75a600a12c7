import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../bot/server.js";
import { testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

let a: Awaited<ReturnType<typeof testAssistant>>;
let app: FastifyInstance;
const routes: { method: string; url: string }[] = [];
/** The citizen routes that read or write one conversation. */
const citizenRoutes: { method: string; url: string }[] = [];
let caseId = "";

async function login(username: string, password: string) {
  const r = await app.inject({ method: "POST", url: "/console/api/login", payload: { username, password } });
  expect(r.statusCode).toBe(200);
  const cookie = String(r.headers["set-cookie"]).split(";")[0] ?? "";
  return { cookie, csrf: r.json().csrf as string };
}

forEachStore(() => {
  beforeAll(async () => {
    a = await testAssistant();
    app = await buildServer(a, {
      onRoute: (r) => {
        for (const m of [r.method].flat())
          if (r.url.startsWith("/console/api") && m !== "HEAD") routes.push({ method: m, url: r.url });
          else if (r.url.startsWith("/api/conversations/") && m !== "HEAD")
            citizenRoutes.push({ method: m, url: r.url });
      },
    });
    await a.staff.add({
      username: "dept",
      password: "department-pass",
      role: "department",
      department: "人社局",
    });
    await a.staff.add({
      username: "wang",
      password: "counselor-pass",
      role: "counselor",
      shifts: ["mon-sun 00:00-24:00"],
    });
    await a.engine.handleMessage({ channel: "web", conversationId: "c", text: "我不想活了" });
    caseId = (await a.db.get<{ id: string }>("SELECT id FROM cases"))?.id ?? "";
  });
  afterAll(async () => {
    await app.close();
    await a.cleanup();
  });

  const url = (u: string) => u.replace(":id", caseId);
  const PUBLIC = new Set(["POST /console/api/login"]);

  describe("citizen routes", () => {
    it("open a conversation only with its own token: not anonymously, not with a staff session, not with another's", async () => {
      expect(citizenRoutes.length).toBeGreaterThanOrEqual(2);
      const start = (text: string) =>
        app.inject({ method: "POST", url: "/api/chat", payload: { text } }).then((r) => r.json());
      const alice = await start("我想问一下低保怎么申请");
      const bob = await start("你好");
      const staffSessions = await Promise.all([
        login("dept", "department-pass"),
        login("wang", "counselor-pass"),
      ]);
      for (const r of citizenRoutes) {
        const target = r.url.replace(":id", alice.conversationId);
        const as = (headers: Record<string, string>) =>
          app.inject({ method: r.method as "GET", url: target, headers });
        expect((await as({})).statusCode, `anonymous ${r.url}`).toBe(401);
        for (const s of staffSessions)
          expect((await as({ cookie: s.cookie })).statusCode, `staff ${r.url}`).toBe(401);
        expect(
          (await as({ authorization: `Bearer ${bob.conversationToken}` })).statusCode,
          `other ${r.url}`,
        ).toBe(404);
        expect((await as({ cookie: `sw_conv=${bob.conversationToken}` })).statusCode, `other ${r.url}`).toBe(
          404,
        );
      }
      const mine = await app.inject({
        url: `/api/conversations/${alice.conversationId}/messages`,
        headers: { authorization: `Bearer ${alice.conversationToken}` },
      });
      expect(mine.statusCode).toBe(200);
      expect(mine.headers["cache-control"]).toBe("no-store");
    });

    it("sends protective headers everywhere and a script policy without unsafe-inline on the pages", async () => {
      for (const path of ["/", "/console"]) {
        const r = await app.inject(path);
        expect(r.headers["x-frame-options"], path).toBe("DENY");
        expect(r.headers["x-content-type-options"], path).toBe("nosniff");
        expect(r.headers["referrer-policy"], path).toBe("no-referrer");
        const csp = String(r.headers["content-security-policy"]);
        expect(csp, path).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
        expect(
          csp.split(";").find((d) => d.includes("script-src")),
          path,
        ).not.toContain("unsafe-inline");
        expect(csp, path).toContain("frame-ancestors 'none'");
      }
      const api = await app.inject({ method: "POST", url: "/api/chat", payload: { text: "你好" } });
      expect(api.headers["cache-control"]).toBe("no-store");
      const bad = await app.inject("/api/conversations/%E0%A4%A/messages?<script>");
      expect(bad.statusCode).toBeLessThan(500);
      expect(bad.json()).toHaveProperty("error");
      expect(bad.body).not.toContain("<script>");
      expect(bad.body).not.toContain("%E0%A4%A");
    });
  });

  describe("console security", () => {
    it("registers the console API routes", () => {
      expect(routes.length).toBeGreaterThanOrEqual(10);
    });

    it("refuses every console route to an anonymous request", async () => {
      for (const r of routes.filter((r) => !PUBLIC.has(`${r.method} ${r.url}`))) {
        const res = await app.inject({
          method: r.method as "GET",
          url: url(r.url),
          payload: r.method === "GET" ? undefined : {},
        });
        expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      }
    });

    it("answers every console route for a supervisor and an admin with no server error and no internals", async () => {
      await a.staff.add({
        username: "sweep-sup",
        password: "supervisor-pass",
        role: "supervisor",
        shifts: [],
      });
      await a.staff.add({ username: "sweep-admin", password: "admin-password", role: "admin", shifts: [] });
      for (const who of ["sweep-sup", "sweep-admin"]) {
        const { cookie, csrf } = await login(who, who === "sweep-sup" ? "supervisor-pass" : "admin-password");
        // Event streams stay open (their access rules are tested above); logout would end the sweep's session.
        const sweep = routes.filter(
          (r) =>
            !PUBLIC.has(`${r.method} ${r.url}`) && !r.url.endsWith("/logout") && !r.url.endsWith("/stream"),
        );
        for (const r of sweep) {
          for (const payload of [{}, { text: "<script>x</script>", to: "nobody", outcome: "x", reason: 5 }]) {
            const res = await app.inject({
              method: r.method as "GET",
              url: url(r.url),
              headers: { cookie, "x-csrf-token": csrf },
              payload: r.method === "GET" ? undefined : payload,
            });
            expect(res.statusCode, `${who} ${r.method} ${r.url}`).toBeLessThan(500);
            expect(res.body, `${who} ${r.method} ${r.url}`).not.toMatch(
              /\n\s+at \S+ \(|SQLITE_|node_modules/,
            );
          }
        }
      }
    });

    it("refuses crisis cases to a department clerk", async () => {
      const { cookie, csrf } = await login("dept", "department-pass");
      const allowed = new Set(["GET /console/api/me", "POST /console/api/logout"]);
      const crisisRoutes = routes.filter((r) => !r.url.startsWith("/console/api/complaints"));
      for (const r of crisisRoutes.filter(
        (r) => !PUBLIC.has(`${r.method} ${r.url}`) && !allowed.has(`${r.method} ${r.url}`),
      )) {
        const res = await app.inject({
          method: r.method as "GET",
          url: url(r.url),
          headers: { cookie, "x-csrf-token": csrf },
          payload: r.method === "GET" ? undefined : { text: "x", to: "wang", outcome: "已解答" },
        });
        expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
      }
    });

    it("gives a campaign editor campaigns only, and campaigns to no counselor or clerk", async () => {
      await a.staff.add({ username: "editor", password: "editor-password", role: "editor" });
      const editor = await login("editor", "editor-password");
      const allowed = new Set(["GET /console/api/me", "POST /console/api/logout"]);
      const isCampaign = (u: string) => u.startsWith("/console/api/campaigns");
      for (const r of routes.filter(
        (r) =>
          !PUBLIC.has(`${r.method} ${r.url}`) && !allowed.has(`${r.method} ${r.url}`) && !isCampaign(r.url),
      )) {
        const res = await app.inject({
          method: r.method as "GET",
          url: url(r.url),
          headers: { cookie: editor.cookie, "x-csrf-token": editor.csrf },
          payload: r.method === "GET" ? undefined : {},
        });
        expect(res.statusCode, `editor ${r.method} ${r.url}`).toBe(403);
      }
      const list = await app.inject({ url: "/console/api/campaigns", headers: { cookie: editor.cookie } });
      expect(list.statusCode).toBe(200);
      // An editor may draft but never approve, pause or resume.
      for (const action of ["approve", "pause", "resume"]) {
        const res = await app.inject({
          method: "POST",
          url: `/console/api/campaigns/1/${action}`,
          headers: { cookie: editor.cookie, "x-csrf-token": editor.csrf },
          payload: {},
        });
        expect(res.statusCode, action).toBe(403);
      }
      for (const who of [login("wang", "counselor-pass"), login("dept", "department-pass")]) {
        const { cookie, csrf } = await who;
        for (const r of routes.filter((r) => isCampaign(r.url))) {
          const res = await app.inject({
            method: r.method as "GET",
            url: r.url.replace(":id", "1"),
            headers: { cookie, "x-csrf-token": csrf },
            payload: r.method === "GET" ? undefined : {},
          });
          expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
        }
      }
    });

    it("refuses complaints to a counselor, and supervision actions to a department clerk", async () => {
      const counselor = await login("wang", "counselor-pass");
      for (const r of routes.filter((r) => r.url.startsWith("/console/api/complaints"))) {
        const res = await app.inject({
          method: r.method as "GET",
          url: r.url.replace(":id", "SW-2026-000001"),
          headers: { cookie: counselor.cookie, "x-csrf-token": counselor.csrf },
          payload: r.method === "GET" ? undefined : {},
        });
        expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
      }
      const clerk = await login("dept", "department-pass");
      for (const url of [
        "/console/api/complaints/SW-2026-000001/redispatch",
        "/console/api/complaints/SW-2026-000001/split",
      ]) {
        const res = await app.inject({
          method: "POST",
          url,
          headers: { cookie: clerk.cookie, "x-csrf-token": clerk.csrf },
          payload: {},
        });
        expect(res.statusCode, url).toBe(403);
      }
      const stats = await app.inject({
        url: "/console/api/complaints/stats",
        headers: { cookie: clerk.cookie },
      });
      expect(stats.statusCode).toBe(403);
    });

    it("lets a supervisor find a department by part of its name for 改派, and no one else", async () => {
      await a.staff.add({ username: "sup", password: "supervisor-pass", role: "supervisor", shifts: [] });
      const sup = await login("sup", "supervisor-pass");
      const found = await app.inject({
        url: `/console/api/departments?q=${encodeURIComponent("准格尔旗人社")}`,
        headers: { cookie: sup.cookie },
      });
      expect(found.statusCode).toBe(200);
      expect(found.json().departments[0]).toEqual({
        id: "准格尔旗/hrss",
        name: "准格尔旗人力资源和社会保障局",
      });
      const clerk = await login("dept", "department-pass");
      const refused = await app.inject({
        url: `/console/api/departments?q=${encodeURIComponent("准格尔旗")}`,
        headers: { cookie: clerk.cookie },
      });
      expect(refused.statusCode).toBe(403);
    });

    it("refuses a state change without the CSRF token", async () => {
      const { cookie } = await login("wang", "counselor-pass");
      const res = await app.inject({
        method: "POST",
        url: `/console/api/cases/${caseId}/claim`,
        headers: { cookie },
      });
      expect(res.statusCode).toBe(403);
      expect((await a.handoff.get(caseId))?.state).toBe("waiting");
    });

    it("refuses a wrong password without saying which part was wrong", async () => {
      const bad = await app.inject({
        method: "POST",
        url: "/console/api/login",
        payload: { username: "wang", password: "nope-nope-nope" },
      });
      const unknown = await app.inject({
        method: "POST",
        url: "/console/api/login",
        payload: { username: "nobody", password: "nope-nope-nope" },
      });
      expect(bad.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(bad.json().message).toBe(unknown.json().message);
    });

    it("stops one address guessing one account after five failures", async () => {
      for (let i = 0; i < 5; i++) {
        const r = await app.inject({
          method: "POST",
          url: "/console/api/login",
          remoteAddress: "10.0.0.9",
          payload: { username: "guess", password: `nope-${i}-nope` },
        });
        expect(r.statusCode).toBe(401);
      }
      const blocked = await app.inject({
        method: "POST",
        url: "/console/api/login",
        remoteAddress: "10.0.0.9",
        payload: { username: "guess", password: "nope-x-nope" },
      });
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().message).toContain("15 分钟");
    });

    it("lets a logged-in counselor claim with the token, and logout ends the session", async () => {
      const { cookie, csrf } = await login("wang", "counselor-pass");
      const ok = await app.inject({
        method: "POST",
        url: `/console/api/cases/${caseId}/claim`,
        headers: { cookie, "x-csrf-token": csrf },
      });
      expect(ok.statusCode).toBe(200);
      await app.inject({
        method: "POST",
        url: "/console/api/logout",
        headers: { cookie, "x-csrf-token": csrf },
      });
      const after = await app.inject({ url: "/console/api/queue", headers: { cookie } });
      expect(after.statusCode).toBe(401);
    });
  });
});
