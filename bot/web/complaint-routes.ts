import cookie from "@fastify/cookie";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { LiveHub } from "../../core/live-hub.js";
import { COMPLAINT_TOPIC, departmentTopic } from "../../handoff/complaint-context.js";
import type { ComplaintService } from "../../handoff/complaints.js";
import type { DispatchCatalogue } from "../../handoff/dispatch.js";
import type { StaffRole } from "../../handoff/roster.js";
import type { StaffDirectory } from "../../handoff/staff.js";
import { streamTopics } from "./sse.js";
import { createStaffGuard, SESSION_COOKIE } from "./staff-auth.js";

const Params = z.object({ id: z.string().regex(/^SW-\d{4}-\d{6}$/, { message: "not a complaint number" }) });
const Text = z.object({ text: z.string().trim().min(1, { message: "内容不能为空" }).max(2000) });
const Reason = z.object({ reason: z.string().trim().min(2, { message: "请写明原因" }).max(500) });
const DEPARTMENT_ROLES: readonly StaffRole[] = ["department", "supervisor", "admin"];
const SUPERVISORS: readonly StaffRole[] = ["supervisor", "admin"];

/**
 * Department clerks and supervisors work complaints here, behind the same session and CSRF rules as the
 * crisis console; a clerk sees only their own department's cases (enforced in the service as well).
 */
export async function complaintRoutes(
  app: FastifyInstance,
  deps: { staff: StaffDirectory; complaints: ComplaintService; dispatch: DispatchCatalogue; live: LiveHub },
) {
  const { staff, complaints, live } = deps;
  await app.register(cookie);
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { guard, me } = createStaffGuard(staff);

  r.get(
    "/console/api/complaints",
    {
      onRequest: guard(DEPARTMENT_ROLES),
      schema: { querystring: z.object({ overdue: z.enum(["1", "0"]).optional() }) },
    },
    async (req) => ({ complaints: await complaints.list(me(req), { overdue: req.query.overdue === "1" }) }),
  );
  // Complaint changes only: department clerks must not receive the crisis queue's events.
  r.get("/console/api/complaints/stream", { onRequest: guard(DEPARTMENT_ROLES) }, async (req, reply) => {
    const user = me(req);
    const topic = user.role === "department" ? departmentTopic(user.department ?? "") : COMPLAINT_TOPIC;
    const token = req.cookies[SESSION_COOKIE];
    streamTopics(live, [topic], req, reply, async () => (await deps.staff.session(token)) !== undefined);
  });
  // 改派 by name: supervisors type part of a department's name and pick it from the matches.
  r.get(
    "/console/api/departments",
    {
      onRequest: guard(SUPERVISORS),
      schema: { querystring: z.object({ q: z.string().trim().min(1).max(50) }) },
    },
    async (req) => ({
      departments: deps.dispatch.searchDepartments(req.query.q, 20).map((d) => ({ id: d.id, name: d.name })),
    }),
  );
  r.get("/console/api/complaints/stats", { onRequest: guard(SUPERVISORS) }, async () => ({
    departments: await complaints.stats(),
  }));
  r.get(
    "/console/api/complaints/:id",
    { onRequest: guard(DEPARTMENT_ROLES), schema: { params: Params } },
    async (req) => complaints.view(req.params.id, me(req)),
  );
  r.post(
    "/console/api/complaints/:id/accept",
    { onRequest: guard(DEPARTMENT_ROLES), schema: { params: Params } },
    async (req) => ({
      complaint: await complaints.accept(req.params.id, me(req)),
    }),
  );
  r.post(
    "/console/api/complaints/:id/reply",
    { onRequest: guard(DEPARTMENT_ROLES), schema: { params: Params, body: Text } },
    async (req) => ({ complaint: await complaints.reply(req.params.id, me(req), req.body.text) }),
  );
  r.post(
    "/console/api/complaints/:id/request-info",
    { onRequest: guard(DEPARTMENT_ROLES), schema: { params: Params, body: Text } },
    async (req) => ({ complaint: await complaints.reply(req.params.id, me(req), req.body.text, true) }),
  );
  r.post(
    "/console/api/complaints/:id/return",
    { onRequest: guard(DEPARTMENT_ROLES), schema: { params: Params, body: Reason } },
    async (req) => ({ complaint: await complaints.returnCase(req.params.id, me(req), req.body.reason) }),
  );
  r.post(
    "/console/api/complaints/:id/extend",
    { onRequest: guard(DEPARTMENT_ROLES), schema: { params: Params, body: Reason } },
    async (req) => ({ complaint: await complaints.extend(req.params.id, me(req), req.body.reason) }),
  );
  r.post(
    "/console/api/complaints/:id/close",
    {
      onRequest: guard(DEPARTMENT_ROLES),
      schema: { params: Params, body: z.object({ result: z.string().trim().min(2).max(2000) }) },
    },
    async (req) => ({ complaint: await complaints.close(req.params.id, me(req), req.body.result) }),
  );
  r.post(
    "/console/api/complaints/:id/redispatch",
    {
      onRequest: guard(SUPERVISORS),
      schema: { params: Params, body: z.object({ departmentId: z.string().min(3).max(100) }) },
    },
    async (req) => ({
      complaint: await complaints.redispatch(req.params.id, me(req), req.body.departmentId),
    }),
  );
  r.post(
    "/console/api/complaints/:id/split",
    { onRequest: guard(SUPERVISORS), schema: { params: Params } },
    async (req) => {
      await complaints.split(req.params.id, me(req));
      return { ok: true };
    },
  );
}
