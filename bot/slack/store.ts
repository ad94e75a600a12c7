import { AppError } from "../../core/app-error.js";
import { createStaffDirectory } from "../../handoff/staff.js";
import type { Db } from "../../store/db.js";

export interface SlackCard {
  caseId: string;
  conversationId: string;
  channel: string;
  ts: string;
  mirroredEventId: number;
}

interface CardRow {
  case_id: string;
  conversation_id: string;
  channel: string;
  ts: string;
  mirrored_event_id: number;
}

const toCard = (r: CardRow): SlackCard => ({
  caseId: r.case_id,
  conversationId: r.conversation_id,
  channel: r.channel,
  ts: r.ts,
  mirroredEventId: r.mirrored_event_id,
});

/** A complaint's card in a department channel (slack_complaint_cards, migration 501). */
export interface SlackComplaintCard {
  complaintId: string;
  channel: string;
  ts: string;
}

interface ComplaintCardRow {
  complaint_id: string;
  channel: string;
  ts: string;
}

const toComplaintCard = (r: ComplaintCardRow): SlackComplaintCard => ({
  complaintId: r.complaint_id,
  channel: r.channel,
  ts: r.ts,
});

/** How long a seen delivery key is kept: Slack's last retry comes about 5 minutes after the first attempt. */
const SEEN_KEEP_MS = 24 * 3600_000;

/** The slack module's own tables (store/migrations-slack.ts). */
export function createSlackStore(db: Db, now: () => Date = () => new Date()) {
  let inserts = 0;
  return {
    async card(caseId: string): Promise<SlackCard | undefined> {
      const row = await db.get<CardRow>("SELECT * FROM slack_cards WHERE case_id = ?", [caseId]);
      return row ? toCard(row) : undefined;
    },

    async cardByMessage(channel: string, ts: string): Promise<SlackCard | undefined> {
      const row = await db.get<CardRow>("SELECT * FROM slack_cards WHERE channel = ? AND ts = ?", [
        channel,
        ts,
      ]);
      return row ? toCard(row) : undefined;
    },

    /** The newest card of a conversation (a conversation has at most one open case at a time). */
    async latestCardOf(conversationId: string): Promise<SlackCard | undefined> {
      const row = await db.get<CardRow>(
        "SELECT * FROM slack_cards WHERE conversation_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
        [conversationId],
      );
      return row ? toCard(row) : undefined;
    },

    async saveCard(card: SlackCard): Promise<void> {
      const at = now().toISOString();
      await db.run(
        `INSERT INTO slack_cards (case_id, conversation_id, channel, ts, mirrored_event_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [card.caseId, card.conversationId, card.channel, card.ts, card.mirroredEventId, at, at],
      );
    },

    /** Moves the high-water mark forward only: a late writer never makes the thread repeat itself. */
    async markMirrored(caseId: string, eventId: number): Promise<void> {
      await db.run(
        "UPDATE slack_cards SET mirrored_event_id = ?, updated_at = ? WHERE case_id = ? AND mirrored_event_id < ?",
        [eventId, now().toISOString(), caseId, eventId],
      );
    },

    /**
     * Records a delivery key; false when it was already there (a retry or a second subscription delivering the
     * same message). Old keys are pruned now and then.
     */
    async firstSeen(key: string): Promise<boolean> {
      const at = now();
      const r = await db.run("INSERT INTO slack_seen (key, seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING", [
        key,
        at.toISOString(),
      ]);
      if (++inserts % 200 === 0) {
        await db.run("DELETE FROM slack_seen WHERE seen_at < ?", [
          new Date(at.getTime() - SEEN_KEEP_MS).toISOString(),
        ]);
      }
      return r.changes === 1;
    },

    /** Every card of a complaint (one per department channel it was dispatched to), oldest first. */
    async complaintCards(complaintId: string): Promise<SlackComplaintCard[]> {
      const rows = await db.all<ComplaintCardRow>(
        "SELECT complaint_id, channel, ts FROM slack_complaint_cards WHERE complaint_id = ? ORDER BY created_at, rowid",
        [complaintId],
      );
      return rows.map(toComplaintCard);
    },

    async complaintCardByMessage(channel: string, ts: string): Promise<SlackComplaintCard | undefined> {
      const row = await db.get<ComplaintCardRow>(
        "SELECT complaint_id, channel, ts FROM slack_complaint_cards WHERE channel = ? AND ts = ?",
        [channel, ts],
      );
      return row ? toComplaintCard(row) : undefined;
    },

    async saveComplaintCard(card: SlackComplaintCard): Promise<void> {
      const at = now().toISOString();
      await db.run(
        `INSERT INTO slack_complaint_cards (complaint_id, channel, ts, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
        [card.complaintId, card.channel, card.ts, at, at],
      );
    },

    async usernameOf(slackUserId: string): Promise<string | undefined> {
      const row = await db.get<{ username: string }>(
        "SELECT username FROM slack_users WHERE slack_user_id = ?",
        [slackUserId],
      );
      return row?.username;
    },

    /** Slack users linked to these staff accounts, for mentions; a username may have several. */
    async slackUsersOf(usernames: readonly string[]): Promise<Map<string, string[]>> {
      const out = new Map<string, string[]>();
      if (usernames.length === 0) return out;
      const rows = await db.all<{ slack_user_id: string; username: string }>(
        `SELECT slack_user_id, username FROM slack_users WHERE username IN (${usernames.map(() => "?").join(", ")})
         ORDER BY created_at`,
        usernames,
      );
      for (const r of rows) out.set(r.username, [...(out.get(r.username) ?? []), r.slack_user_id]);
      return out;
    },

    async link(slackUserId: string, username: string): Promise<void> {
      if (!/^[UW][A-Z0-9]{2,}$/.test(slackUserId))
        throw new AppError("bad_input", `not a Slack user id: ${slackUserId} (looks like U0123ABCD)`);
      const staff = await createStaffDirectory(db, now).find(username);
      if (!staff) throw new AppError("not_found", `no staff account ${username}`);
      await db.run(
        `INSERT INTO slack_users (slack_user_id, username, created_at) VALUES (?, ?, ?)
         ON CONFLICT(slack_user_id) DO UPDATE SET username = excluded.username, created_at = excluded.created_at`,
        [slackUserId, username, now().toISOString()],
      );
    },

    async unlink(slackUserId: string): Promise<boolean> {
      const r = await db.run("DELETE FROM slack_users WHERE slack_user_id = ?", [slackUserId]);
      return r.changes === 1;
    },

    async links(): Promise<{ slackUserId: string; username: string }[]> {
      const rows = await db.all<{ slack_user_id: string; username: string }>(
        "SELECT slack_user_id, username FROM slack_users ORDER BY username, slack_user_id",
      );
      return rows.map((r) => ({ slackUserId: r.slack_user_id, username: r.username }));
    },
  };
}

export type SlackStore = ReturnType<typeof createSlackStore>;

/**
 * Links a Slack user to a staff account, for the CLI (`shouwang slack link U0123ABCD wang`). Relinking a Slack
 * user moves it to the new account.
 */
export async function linkSlackUser(db: Db, slackUserId: string, username: string): Promise<void> {
  await createSlackStore(db).link(slackUserId.trim(), username.trim());
}

/** Removes a Slack user's link (`shouwang slack unlink U0123ABCD`); true when there was one. */
export async function unlinkSlackUser(db: Db, slackUserId: string): Promise<boolean> {
  return createSlackStore(db).unlink(slackUserId.trim());
}

/** Every link, for `shouwang slack links`. */
export async function listSlackUsers(db: Db): Promise<{ slackUserId: string; username: string }[]> {
  return createSlackStore(db).links();
}
