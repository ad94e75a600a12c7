/**
 * What counselors and supervisors do with a case: claim it (the citizen hears a named human is here), reply,
 * note, transfer to a colleague, release it to the queue, resolve it with an outcome.
 */
import { AppError, isAppError } from "../core/app-error.js";
import type { Channel } from "../store/conversations.js";
import { type CaseContext, roleLabel, senderLabel } from "./case-context.js";
import { caseConversations } from "./case-joins.js";
import { type CaseRecord, caseEvent as event, getCase } from "./case-records.js";
import type { CaseAction } from "./case-state.js";
import { caseMessages } from "./messages.js";
import { sendToCitizen } from "./outbound.js";
import type { Reply } from "./reply.js";
import type { StaffMember } from "./roster.js";

export const OUTCOMES = ["已疏导", "已转介", "已联系110/120", "无法联系", "已解答", "其他"] as const;

export function caseActions(ctx: CaseContext) {
  const {
    db,
    conversations,
    outbound,
    now,
    dueAt,
    paging,
    transition,
    publishCase,
    messaging,
    canSee,
    assertHolder,
  } = ctx;
  return {
    async claim(id: string, staff: StaffMember): Promise<CaseRecord> {
      if (staff.role !== "counselor" && staff.role !== "supervisor")
        throw new AppError("forbidden", "只有心理咨询师和督导可以认领个案");
      const c = await db.transaction(async (tx) => {
        const current = await getCase(tx, id);
        if (!current) throw new AppError("not_found", `没有编号为 ${id} 的个案`);
        // A transferred case waits for its named colleague; a supervisor may take it over (say, they are off shift).
        if (current.state === "transferred" && current.transferTo !== staff.id && staff.role !== "supervisor")
          throw new AppError("conflict", "此个案已转交给其他同事");
        if (current.state !== "waiting" && current.state !== "transferred") {
          throw new AppError(
            "conflict",
            current.holderId === staff.id ? "你已经认领了此个案" : "此个案已被其他同事认领",
          );
        }
        return transition(tx, id, "claim", staff, {
          holder_id: staff.id,
          transfer_to: null,
          claimed_at: now().toISOString(),
          escalate_at: null,
        });
      });
      publishCase(c);
      // The person waiting learns at once that a named human is here, before the first word is typed: in every
      // conversation of the case.
      for (const v of await caseConversations(db, c))
        await sendToCitizen(
          messaging,
          v,
          { kind: "handoff", text: caseMessages.staffJoined(staff.displayName, roleLabel(staff)) },
          "bot",
        );
      return c;
    },

    /**
     * The staff reply, stored in the case's transcript and then delivered on the citizen's channel: in every
     * conversation of the case (its own and the joined ones). Returns the stored event of the case's own
     * conversation; a delivery that failed after the reply was stored comes back as `undelivered` (the reply
     * stays in the transcript), so callers know what was stored without guessing.
     */
    async reply(
      id: string,
      staff: StaffMember,
      text: string,
    ): Promise<{ eventId: number; undelivered?: AppError }> {
      const at = now().toISOString();
      const staffReply: Reply = { kind: "staff", text, sender: senderLabel(staff) };
      // A channel that cannot reach the person now (WeChat's 48-hour window) refuses before anything is stored.
      const before = await getCase(db, id);
      if (before && canSee(staff, before))
        for (const v of await caseConversations(db, before)) await outbound.check(v);
      // One transaction: the case becomes active and the reply is stored before anything is sent.
      const { c, stored } = await db.transaction(async (tx) => {
        const current = await getCase(tx, id);
        if (!current) throw new AppError("not_found", `没有编号为 ${id} 的个案`);
        assertHolder(staff, current);
        if (current.state !== "claimed" && current.state !== "active") {
          throw new AppError("illegal_transition", "请先认领个案再回复");
        }
        const c = current.state === "claimed" ? await transition(tx, id, "start", staff) : current;
        const stored: { to: { id: string; channel: Channel }; eventId: number }[] = [];
        for (const to of await caseConversations(tx, c)) {
          const eventId = await conversations.append(
            tx,
            to.id,
            [{ type: "reply", actor: `staff:${staff.username}`, payload: staffReply }],
            at,
          );
          stored.push({ to, eventId });
        }
        await event(tx, id, "staff_reply", staff.username, at, {
          payload: { length: text.length, conversations: stored.length },
        });
        return { c, stored };
      });
      let undelivered: AppError | undefined;
      for (const { to, eventId } of stored) {
        try {
          await outbound.deliver(to, { ...staffReply, eventId, from: "staff" });
        } catch (err) {
          undelivered ??= isAppError(err)
            ? err
            : new AppError("unavailable", "回复已保存，但没有送达", { cause: err });
        }
      }
      publishCase(c);
      const eventId = stored[0]?.eventId ?? 0;
      return undelivered ? { eventId, undelivered } : { eventId };
    },

    async note(id: string, staff: StaffMember, text: string): Promise<void> {
      const c = await getCase(db, id);
      if (!c || !canSee(staff, c)) throw new AppError("not_found", `没有编号为 ${id} 的个案`);
      await db.transaction((tx) =>
        event(tx, id, "note", staff.username, now().toISOString(), { payload: { text } }),
      );
      publishCase(c);
    },

    async transfer(id: string, staff: StaffMember, to: StaffMember): Promise<CaseRecord> {
      if (to.role !== "counselor" && to.role !== "supervisor")
        throw new AppError("bad_input", "个案只能转交给心理咨询师或督导");
      const c = await db.transaction(async (tx) => {
        const current = await getCase(tx, id);
        if (!current) throw new AppError("not_found", `没有编号为 ${id} 的个案`);
        assertHolder(staff, current);
        const updated = await transition(
          tx,
          id,
          "transfer",
          staff,
          // The escalation clock restarts: if the colleague does not take it in time, everyone on duty is paged.
          { holder_id: null, transfer_to: to.id, escalate_at: dueAt(current.risk, now()) },
          { to: to.username },
        );
        paging.queueTransfer(updated, to);
        return updated;
      });
      paging.flush(c.conversationId);
      publishCase(c);
      return c;
    },

    async release(id: string, staff: StaffMember): Promise<CaseRecord> {
      const c = await db.transaction(async (tx) => {
        const current = await getCase(tx, id);
        if (!current) throw new AppError("not_found", `没有编号为 ${id} 的个案`);
        assertHolder(staff, current);
        return transition(tx, id, "release", staff, {
          holder_id: null,
          escalate_at: dueAt(current.risk, now()),
        });
      });
      publishCase(c);
      return c;
    },

    async resolve(id: string, staff: StaffMember, outcome: string, followUp?: string): Promise<CaseRecord> {
      const c = await db.transaction(async (tx) => {
        const current = await getCase(tx, id);
        if (!current) throw new AppError("not_found", `没有编号为 ${id} 的个案`);
        assertHolder(staff, current);
        // For imminent risk the record must say whether emergency help was confirmed to have reached the person.
        if (current.risk === "imminent" && !followUp?.trim()) {
          throw new AppError("bad_input", "紧急个案结案前必须填写随访确认：是否确认紧急救援已到达当事人");
        }
        const action: CaseAction = outcome === "无法联系" ? "abandon" : "resolve";
        return transition(
          tx,
          id,
          action,
          staff,
          {
            outcome,
            follow_up: followUp?.trim() || null,
            resolved_at: now().toISOString(),
            escalate_at: null,
          },
          { outcome },
        );
      });
      publishCase(c);
      // A case that ends leaves the person with a last word and the numbers, not with silence: in every
      // conversation of the case.
      if (c.kind !== "human") {
        for (const v of await caseConversations(db, c))
          await sendToCitizen(messaging, v, { kind: "handoff", text: caseMessages.caseClosed }, "bot");
      }
      return c;
    },
  };
}
