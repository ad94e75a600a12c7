import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../bot/server.js";
import { testAssistant } from "./helpers.js";

let a: Awaited<ReturnType<typeof testAssistant>>;
let app: FastifyInstance;
const routes: { method: string; url: string }[] = [];
let caseId = "";

async function login(username: string, password: string) {
  const r = await app.inject({ method: "POST", url: "/console/api/login", payload: { username, password } });
  expect(r.statusCode).toBe(200);
  const cookie = String(r.headers["set-cookie"]).split(";")[0] ?? "";
  return { cookie, csrf: r.json().csrf as string };
}

beforeAll(async () => {
  a = await testAssistant();
  app = await buildServer(a, {
    onRoute: (r) => {
      for (const m of [r.method].flat())
        if (r.url.startsWith("/console/api") && m !== "HEAD") routes.push({ method: m, url: r.url });
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
