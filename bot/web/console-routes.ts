import cookie from "@fastify/cookie";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import type { LiveHub } from "../../core/live-hub.js";
import { projectPath } from "../../core/paths.js";
import { recordLogin } from "../../handoff/audit.js";
import { OUTCOMES } from "../../handoff/case-actions.js";
import { STAFF_TOPIC } from "../../handoff/case-paging.js";
import type { HandoffService } from "../../handoff/cases.js";
import type { Presence } from "../../handoff/presence.js";
import type { StaffRole } from "../../handoff/roster.js";
import type { StaffDirectory } from "../../handoff/staff.js";
import type { Db } from "../../store/db.js";
import { pageWithScript } from "./client-bundle.js";
import type { LoginThrottle } from "./login-throttle.js";
import { pageCsp } from "./page-security.js";
import { streamTopics } from "./sse.js";
import { SESSION_COOKIE as COOKIE, createStaffGuard } from "./staff-auth.js";

const CaseParams = z.object({ id: z.string().regex(/^[A-Z]{2}-\d{4}-\d{6}$/, { message: "not a case id" }) });

export interface ConsoleDeps {
  staff: StaffDirectory;
  handoff: HandoffService;
  live: LiveHub;
  /** Where failed and refused logins are audited. */
  db: Db;
  /** Shared by every instance on the database (see login-throttle.ts). */
  throttle: LoginThrottle;
  /** Marks a staff member reachable while their console's live stream is open. */
  presence?: Presence;
  /** Cookies get `Secure` behind HTTPS; plain-HTTP localhost development must still work. */
  secureCookies?: boolean;
}

/** How long a refused or "busy" login waits before its answer. */
const REFUSAL_PAUSE_MS = 1_000;

const CRISIS_ROLES: readonly StaffRole[] = ["counselor", "supervisor", "admin"];

/**
 * The staff console. Everything under /console/api needs a session cookie; state-changing requests also need
 * the session's CSRF token in `x-csrf-token`, and each route names the roles allowed to use it.
 */
export async function consoleRoutes(app: FastifyInstance, deps: ConsoleDeps) {
  const { staff, handoff, live } = deps;
  await app.register(cookie);
  const r = app.withTypeProvider<ZodTypeProvider>();
  const page = pageWithScript(projectPath("bot", "web", "console.html"), "console");

  const { guard, me, session } = createStaffGuard(staff);
  const throttle = deps.throttle;
  const refusals = new Map<string, number>();
  const db = deps.db;

  r.get("/console", async (_req, reply) =>
    reply
      .header("content-type", "text/html; charset=utf-8")
      .header("cache-control", "no-cache")
      .header("content-security-policy", pageCsp(page))
      .send(page),
  );

  r.post(
    "/console/api/login",
    {
      schema: {
        body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
      },
    },
    async (req, reply) => {
      // Reserved before any hashing, so a parallel burst cannot outrun the count (see login-throttle.ts).
      const { username, password } = req.body;
      const audit = async (action: "login_failed" | "login_refused", times = 1) =>
        recordLogin(
          db,
          { username, staffId: (await staff.find(username))?.id ?? null, address: req.ip, times },
          action,
          new Date().toISOString(),
        );
      const admission = await throttle.admit(req.ip, username);
      if (!admission.admitted) {
        // Every refusal is counted; the 1st, 10th, 100th… from one address for one name is written, so a flood
        // of refusals cannot turn into a flood of writes that stalls citizens' messages.
        const n = (refusals.get(`${req.ip}|${username}`) ?? 0) + 1;
        refusals.set(`${req.ip}|${username}`, n);
        if (refusals.size > 10_000) refusals.delete(refusals.keys().next().value as string);
        if (Number.isInteger(Math.log10(n))) await audit("login_refused", n);
        // A refusal is answered after a pause: a client hammering the login costs us a timer, not a core.
        await new Promise((r) => setTimeout(r, REFUSAL_PAUSE_MS));
        throw new AppError("rate_limited", "登录失败次数过多，请 15 分钟后再试");
      }
      let result: Awaited<ReturnType<typeof staff.login>>;
      try {
        result = await staff.login(username, password);
        await admission.settle("ok");
      } catch (e) {
        const wrong = e instanceof AppError && e.code === "unauthorized";
        // A busy server checked nothing: neither a failure nor a success (which would clear the count).
        await admission.settle(wrong ? "wrong" : "busy");
        if (wrong) await audit("login_failed");
        else if (e instanceof AppError && e.code === "unavailable")
          await new Promise((r) => setTimeout(r, REFUSAL_PAUSE_MS));
        throw e;
      }
      const { token, session } = result;
      reply.setCookie(COOKIE, token, {
        path: "/console",
        httpOnly: true,
        sameSite: "strict",
        secure: deps.secureCookies ?? false,
        maxAge: 12 * 3600,
      });
      return { user: session.staff, csrf: session.csrf };
    },
  );

  r.post(
    "/console/api/logout",
    { onRequest: guard(["counselor", "supervisor", "department", "admin", "editor"]) },
    async (req, reply) => {
      await staff.logout(req.cookies[COOKIE]);
      reply.clearCookie(COOKIE, { path: "/console" });
      return { ok: true };
    },
  );

  r.get(
    "/console/api/me",
    { onRequest: guard(["counselor", "supervisor", "department", "admin", "editor"]) },
    async (req) => ({
      user: me(req),
      csrf: session(req).csrf,
      outcomes: OUTCOMES,
    }),
  );

  r.get("/console/api/queue", { onRequest: guard(CRISIS_ROLES) }, async (req) => ({
    cases: await handoff.queue(me(req)),
    closed: await handoff.closedBy(me(req)),
  }));

  r.get("/console/api/staff", { onRequest: guard(CRISIS_ROLES) }, async () => ({
    staff: (await staff.list()).filter((s) => s.role === "counselor" || s.role === "supervisor"),
  }));

  r.get(
    "/console/api/cases/:id",
    { onRequest: guard(CRISIS_ROLES), schema: { params: CaseParams } },
    async (req) => handoff.view(req.params.id, me(req)),
  );

  r.post(
    "/console/api/cases/:id/claim",
    { onRequest: guard(["counselor", "supervisor"]), schema: { params: CaseParams } },
    async (req) => ({
      case: await handoff.claim(req.params.id, me(req)),
    }),
  );

  const Text = z.object({ text: z.string().trim().min(1, { message: "text is empty" }).max(2000) });
  r.post(
    "/console/api/cases/:id/reply",
    { onRequest: guard(["counselor", "supervisor"]), schema: { params: CaseParams, body: Text } },
    async (req) => {
      // Stored but not delivered (a closed WeChat window, an unreachable platform): the counselor is told why.
      const r = await handoff.reply(req.params.id, me(req), req.body.text);
      if (r.undelivered) throw r.undelivered;
      return { ok: true };
    },
  );

  r.post(
    "/console/api/cases/:id/note",
    { onRequest: guard(CRISIS_ROLES), schema: { params: CaseParams, body: Text } },
    async (req) => {
      await handoff.note(req.params.id, me(req), req.body.text);
      return { ok: true };
    },
  );

  r.post(
    "/console/api/cases/:id/transfer",
    {
      onRequest: guard(["counselor", "supervisor"]),
      schema: { params: CaseParams, body: z.object({ to: z.string().min(1).max(64) }) },
    },
    async (req) => {
      const target = await staff.find(req.body.to);
      if (!target) throw new AppError("not_found", `没有这位工作人员：${req.body.to}`);
      return { case: await handoff.transfer(req.params.id, me(req), target) };
    },
  );

  r.post(
    "/console/api/cases/:id/release",
    { onRequest: guard(["counselor", "supervisor"]), schema: { params: CaseParams } },
    async (req) => ({
      case: await handoff.release(req.params.id, me(req)),
    }),
  );

  r.post(
    "/console/api/cases/:id/resolve",
    {
      onRequest: guard(["counselor", "supervisor"]),
      schema: {
        params: CaseParams,
        body: z.object({ outcome: z.enum(OUTCOMES), followUp: z.string().max(2000).optional() }),
      },
    },
    async (req) => ({
      case: await handoff.resolve(req.params.id, me(req), req.body.outcome, req.body.followUp),
    }),
  );

  r.get("/console/api/stream", { onRequest: guard(CRISIS_ROLES) }, async (req, reply) => {
    const off = deps.presence?.connect(me(req).id);
    if (off) req.raw.on("close", off);
    const token = req.cookies[COOKIE];
    streamTopics(live, [STAFF_TOPIC], req, reply, async () => (await staff.session(token)) !== undefined);
  });
}
