/**
 * What a department (and a supervisor) does with a case: 受理, reply or ask for more, 退单, 改派, extend once,
 * 办结 (which starts the 回访 unless the citizen has been at risk).
 */
import { AppError } from "../core/app-error.js";
import { isCrisis } from "../intents/crisis-risk.js";
import type { ComplaintContext } from "./complaint-context.js";
import { deadlinesFor } from "./deadlines.js";
import { complaintMessages as cm } from "./messages.js";
import type { StaffMember } from "./roster.js";

export function departmentActions(ctx: ComplaintContext) {
  const {
    db,
    conversations,
    outbound,
    categories,
    dispatch,
    calendar,
    now,
    dateOf,
    tell,
    change,
    get,
    canSee,
  } = ctx;
  return {
    accept: (id: string, viewer: StaffMember) =>
      change(
        id,
        viewer,
        "accept",
        async (_tx, c, at) => {
          const category = categories.get(c.category);
          const due = deadlinesFor(category, c.openedAt, calendar, { acceptedAt: at, urgent: c.urgent });
          return { accepted_at: at, handle_by: due.handleBy };
        },
        "accepted",
        {},
      ),

    async reply(id: string, viewer: StaffMember, text: string, needInfo = false) {
      // A channel that cannot reach the citizen now (WeChat's 48-hour window) refuses before anything changes.
      const before = await get(db, id);
      if (before && canSee(viewer, before))
        await outbound.check({ id: before.conversationId, channel: before.channel });
      const c = await change(
        id,
        viewer,
        needInfo ? "requestInfo" : "reply",
        async () => ({}),
        needInfo ? "info_requested" : "replied",
        { text },
      );
      ctx.talkingTo.add(c.citizen);
      await tell(c, cm.departmentReply(c.departmentName, text), `department:${viewer.username}`, "staff");
      return c;
    },

    returnCase: (id: string, viewer: StaffMember, reason: string) =>
      change(id, viewer, "return", async (_tx, c) => ({ returns: c.returns + 1 }), "returned", { reason }),

    async redispatch(id: string, viewer: StaffMember, departmentId: string) {
      if (viewer.role !== "supervisor" && viewer.role !== "admin")
        throw new AppError("forbidden", "只有督办人员可以改派");
      const target = dispatch.departmentById(departmentId);
      if (!target) throw new AppError("not_found", `派单目录中没有部门 ${departmentId}`);
      return change(
        id,
        viewer,
        "redispatch",
        async (_tx, c, at) => {
          // The new department gets its own window to accept (受理) and the handling clock starts again; the
          // old deadlines would count it late for the first department's delay.
          const due = deadlinesFor(categories.get(c.category), at, calendar, { urgent: c.urgent });
          return {
            department_id: target.id,
            department_name: target.name,
            dispatch_rule: `督办改派（${viewer.username}）`,
            accepted_at: null,
            accept_by: due.acceptBy,
            handle_by: due.handleBy,
          };
        },
        "redispatched",
        { department: target.id },
      );
    },

    async extend(id: string, viewer: StaffMember, reason: string) {
      const c = await change(
        id,
        viewer,
        "extend",
        async (_tx, current) => {
          if (current.extended) throw new AppError("conflict", "每件诉求只能延期一次");
          // The category's own rule decides, urgent cases included (they cannot be extended).
          const due = deadlinesFor(categories.get(current.category), current.openedAt, calendar, {
            acceptedAt: current.acceptedAt ?? undefined,
            urgent: current.urgent,
            extended: true,
          });
          if (!due.extendedHandleBy) throw new AppError("conflict", "此类诉求不能延期");
          return { extended: 1, extension_reason: reason, handle_by: due.extendedHandleBy };
        },
        "extended",
        { reason },
      );
      await tell(c, cm.extended(c.id, dateOf(c.handleBy), reason));
      return c;
    },

    async close(id: string, viewer: StaffMember, result: string) {
      const c = await change(
        id,
        viewer,
        "close",
        async () => ({ closed_at: now().toISOString(), result }),
        "closed",
        { result },
      );
      // 回访: the citizen's next answer is read by the engine through the conversation's follow-up state. Never a
      // survey to someone who has been at risk or is with a counselor: they get the result and nothing else.
      const survey = await conversations.exclusive(c.conversationId, () =>
        db.transaction(async (tx) => {
          const conv = await conversations.getIn(tx, c.conversationId);
          if (conv?.mode !== "bot" || isCrisis(conv.risk)) return false;
          const state = { ...conv.state, followUp: { complaintId: c.id, step: "resolved" as const } };
          await conversations.update(tx, c.conversationId, { state }, now().toISOString());
          return true;
        }),
      );
      if (survey)
        await tell(c, cm.closed(c.id, result), "bot", "rating", [
          { label: "已解决", payload: "已解决" },
          { label: "未解决", payload: "未解决" },
        ]);
      else await tell(c, cm.closedNoSurvey(c.id, result));
      return c;
    },
  };
}
