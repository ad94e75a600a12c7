/**
 * Legal-education campaigns (普法) as staff handle them: draft, preview, approve (a second person), pause, resume,
 * cancel, and the figures afterwards. The console and the CLI both call this, against the same database; sending
 * is the dispatcher's (dispatcher.ts). Bad input is refused with a message staff can act on, before anything is
 * written.
 */
import { AppError } from "../core/app-error.js";
import { parseChinaTime } from "../core/china-time.js";
import type { StaffMember, StaffRole } from "../handoff/roster.js";
import type { PlaceGazetteer } from "../intents/places.js";
import type { Db } from "../store/db.js";
import type { Queryable } from "../store/sql.js";
import { audienceSize } from "./audience.js";
import { suggestDates } from "./calendar.js";
import {
  type Attachment,
  type Campaign,
  type CampaignPlace,
  type CampaignState,
  campaignEvent,
  insertCampaign,
  listCampaigns,
  readCampaign,
} from "./campaign-records.js";
import {
  CAMPAIGN_CHANNELS,
  checkBody,
  checkChannels,
  checkSendAt,
  checkTitle,
  checkWeeklyCap,
  DEFAULT_QUIET_HOURS,
  DEFAULT_WEEKLY_CAP,
  MAX_ATTACHMENTS,
  type QuietHours,
} from "./campaign-rules.js";
import { type CampaignLibrary, renderCampaign } from "./render.js";
import { topicOf } from "./topics.js";

export interface CampaignInput {
  title: string;
  body: string;
  /** Topic names, aliases or ids. */
  topics: readonly string[];
  /** 盟市 or 旗县区 names (「呼和浩特市」「土默特左旗」); none = the whole region. */
  places?: readonly string[];
  channels?: readonly string[];
  /** Knowledge entry ids. */
  entries?: readonly string[];
  /** Statute articles: 「劳动合同法 第三十条」 or { law, article }. */
  articles?: readonly (string | { law: string; article: string })[];
  /** An instant (ISO 8601, or China time without a zone); absent = now. */
  sendAt?: string;
  /** undefined = the default (21:00-08:00); null = none. */
  quietHours?: QuietHours | null;
  weeklyCap?: number;
}

export interface CampaignDeps {
  db: Db;
  staff: { find(username: string): Promise<StaffMember | undefined> };
  places: PlaceGazetteer;
  library: CampaignLibrary;
  now?: () => Date;
}

export interface CampaignStatus {
  id: number;
  state: CampaignState;
  recipients: number;
  sent: number;
  failed: number;
  skipped: number;
  queued: number;
  skippedBy: Record<string, number>;
  unsubscribedAfter: number;
  opens: number;
}

const AUTHORS: readonly StaffRole[] = ["admin", "editor"];

export function createCampaigns(deps: CampaignDeps) {
  const { db, library } = deps;
  const now = deps.now ?? (() => new Date());

  const person = async (username: string, roles: readonly StaffRole[], what: string) => {
    const s = await deps.staff.find(username);
    if (!s) throw new AppError("not_found", `没有这位工作人员：${username}`);
    if (!roles.includes(s.role)) throw new AppError("forbidden", `${username} 的角色不能${what}`);
    return s;
  };

  const placeOf = (name: string): CampaignPlace => {
    const n = name.trim();
    for (const l of deps.places.data.leagues) {
      if (l.name === n || l.aliases.includes(n)) return { league: l.name };
      for (const c of l.counties)
        if (
          c.name === n ||
          c.aliases.includes(n) ||
          `${l.name}${c.name}` === n ||
          `${l.name}/${c.name}` === n
        )
          return { league: l.name, county: c.name };
    }
    throw new AppError(
      "bad_input",
      `未知的地区「${name}」：请写盟市或旗县区的名称，比如「呼和浩特市」「土默特左旗」`,
    );
  };

  const articleOf = (a: string | { law: string; article: string }): Attachment => {
    const [law, article] = typeof a === "string" ? a.trim().split(/\s+/, 2) : [a.law, a.article];
    if (!law || !article)
      throw new AppError("bad_input", `法条要写成「劳动合同法 第三十条」，收到的是「${String(a)}」`);
    const found = library.article(law, article);
    if (!found) throw new AppError("bad_input", `找不到法条：《${law}》${article}（或该法已废止）`);
    return { kind: "article", law, article: found.label };
  };

  /** Checks everything and returns the campaign to store, or throws; nothing is written here. */
  const validate = (input: CampaignInput, author: string) => {
    const topics: string[] = [];
    for (const w of input.topics) {
      const t = topicOf(w);
      if (!t) throw new AppError("bad_input", `未知的主题「${w}」`);
      if (!topics.includes(t.id)) topics.push(t.id);
    }
    if (topics.length === 0) throw new AppError("bad_input", "至少选择一个主题");
    const places = (input.places ?? []).filter((p) => p.trim()).map(placeOf);
    const attachments: Attachment[] = [
      ...(input.entries ?? []).map((id): Attachment => {
        if (!library.entry(id)) throw new AppError("bad_input", `知识库里没有条目「${id}」`);
        return { kind: "entry", id };
      }),
      ...(input.articles ?? []).map(articleOf),
    ];
    if (attachments.length > MAX_ATTACHMENTS)
      throw new AppError("bad_input", `附加的知识条目和法条最多 ${MAX_ATTACHMENTS} 个`);
    const at = now();
    return {
      title: checkTitle(input.title),
      body: checkBody(input.body),
      attachments,
      topics,
      places,
      channels: checkChannels(input.channels ?? CAMPAIGN_CHANNELS),
      sendAt: checkSendAt(input.sendAt, at.getTime(), (s) => {
        const p = parseChinaTime(s);
        return p.ok ? p.time : undefined;
      }),
      quietHours: input.quietHours === undefined ? DEFAULT_QUIET_HOURS : input.quietHours,
      weeklyCap: checkWeeklyCap(input.weeklyCap ?? DEFAULT_WEEKLY_CAP),
      author,
      createdAt: at.toISOString(),
    };
  };

  const mustGet = async (id: number): Promise<Campaign> => {
    const c = await readCampaign(db, id);
    if (!c) throw new AppError("not_found", `没有编号为 ${id} 的普法推送`);
    return c;
  };

  const noRecipients = () =>
    new AppError("bad_input", "没有符合条件的订阅者：请换主题、地区或渠道，或等有人订阅后再发");

  /** Moves a campaign from one of `from` to `to`, or refuses saying why; the change and who made it are logged. */
  const transition = async (
    id: number,
    by: StaffMember,
    from: readonly CampaignState[],
    to: CampaignState,
    extra: (tx: Queryable, c: Campaign, at: string) => Promise<void> = async () => undefined,
  ) => {
    const at = now().toISOString();
    return db.transaction(async (tx) => {
      const c = await readCampaign(tx, id);
      if (!c) throw new AppError("not_found", `没有编号为 ${id} 的普法推送`);
      if (!from.includes(c.state))
        throw new AppError(
          "illegal_transition",
          `这条推送现在是「${STATE_LABELS[c.state]}」，不能${ACTION_LABELS[to]}`,
        );
      await extra(tx, c, at);
      await tx.run("UPDATE campaigns SET state = ?, updated_at = ? WHERE id = ?", [to, at, id]);
      await campaignEvent(tx, id, to, by.username, at);
      return (await readCampaign(tx, id)) as Campaign;
    });
  };

  return {
    /** What the citizen would receive and how many would receive it now; nothing is stored. */
    async preview(input: CampaignInput) {
      const c = validate(input, "preview");
      return { reply: renderCampaign({ id: 0, ...c }, library), audience: await audienceSize(db, c) };
    },

    async create(input: CampaignInput, by: string) {
      const author = await person(by, AUTHORS, "起草普法推送");
      const c = validate(input, author.username);
      const audience = await audienceSize(db, c);
      if (audience.total === 0) throw noRecipients();
      const id = await db.transaction(async (tx) => {
        const id = await insertCampaign(tx, c);
        await campaignEvent(tx, id, "draft", author.username, c.createdAt);
        return id;
      });
      const saved = await mustGet(id);
      return { campaign: saved, reply: renderCampaign(saved, library), audience };
    },

    /** An admin other than the author approves; the audience must not be empty now. */
    async approve(id: number, by: string) {
      const admin = await person(by, ["admin"], "批准普法推送");
      const c = await mustGet(id);
      if (c.author === admin.username)
        throw new AppError("forbidden", "起草人不能批准自己的推送，请另一位管理员审核");
      // A send time passed while the draft waited for review means "as soon as approved".
      if ((await audienceSize(db, c)).total === 0) throw noRecipients();
      return transition(id, admin, ["draft"], "approved", async (tx, _c, at) => {
        await tx.run("UPDATE campaigns SET approver = ?, approved_at = ? WHERE id = ?", [
          admin.username,
          at,
          id,
        ]);
      });
    },

    async pause(id: number, by: string) {
      return transition(id, await person(by, ["admin"], "暂停普法推送"), ["approved", "sending"], "paused");
    },

    async resume(id: number, by: string) {
      const admin = await person(by, ["admin"], "恢复普法推送");
      const c = await mustGet(id);
      // A paused campaign goes back to where it was: sending if its queue was written, else waiting for its time.
      return transition(id, admin, ["paused"], c.startedAt ? "sending" : "approved");
    },

    /** The author may withdraw their own draft; an admin may cancel any campaign not finished. */
    async cancel(id: number, by: string) {
      const who = await person(by, AUTHORS, "取消普法推送");
      const c = await mustGet(id);
      if (who.role !== "admin" && !(c.author === who.username && c.state === "draft"))
        throw new AppError("forbidden", "只有管理员可以取消已批准的推送；起草人只能撤回自己的草稿");
      return transition(
        id,
        who,
        ["draft", "approved", "sending", "paused"],
        "cancelled",
        async (tx, _c, at) => {
          await tx.run(
            "UPDATE campaign_deliveries SET state = 'skipped', reason = 'cancelled', sent_at = ? WHERE campaign_id = ? AND state = 'queued'",
            [at, id],
          );
          await tx.run("UPDATE campaigns SET finished_at = ? WHERE id = ?", [at, id]);
        },
      );
    },

    get: mustGet,
    list: (limit?: number) => listCampaigns(db, limit),
    render: (c: Campaign) => renderCampaign(c, library),
    audience: (c: Campaign) => audienceSize(db, c),
    suggestions: () => suggestDates(now()),

    async status(id: number): Promise<CampaignStatus> {
      const c = await mustGet(id);
      const rows = await db.all<{ state: string; reason: string | null; n: number }>(
        "SELECT state, reason, COUNT(*) AS n FROM campaign_deliveries WHERE campaign_id = ? GROUP BY state, reason",
        [id],
      );
      const count = (s: string) => rows.filter((r) => r.state === s).reduce((n, r) => n + r.n, 0);
      const skippedBy: Record<string, number> = {};
      for (const r of rows) if (r.state === "skipped") skippedBy[r.reason ?? "other"] = r.n;
      const after = await db.get<{ n: number }>(
        `SELECT COUNT(DISTINCT d.conversation_id) AS n FROM campaign_deliveries d
         JOIN subscription_consents k ON k.conversation_id = d.conversation_id
           AND k.action IN ('unsubscribe', 'blocked') AND k.created_at >= d.sent_at
         WHERE d.campaign_id = ? AND d.state = 'sent'`,
        [id],
      );
      const opens = await db.get<{ n: number }>(
        "SELECT COUNT(*) AS n FROM campaign_opens WHERE campaign_id = ?",
        [id],
      );
      const total = rows.reduce((n, r) => n + r.n, 0);
      return {
        id,
        state: c.state,
        // Before sending starts, the audience as it stands now.
        recipients: c.startedAt ? total : (await audienceSize(db, c)).total,
        sent: count("sent"),
        failed: count("failed"),
        skipped: count("skipped"),
        queued: count("queued"),
        skippedBy,
        unsubscribedAfter: after?.n ?? 0,
        opens: opens?.n ?? 0,
      };
    },

    /** 「了解更多」 pressed: counted once per person, answered with what the campaign attached. */
    async open(conversationId: string, id: number, at: string) {
      const c = await readCampaign(db, id);
      if (!c) return undefined;
      const sent = await db.get<{ one: number }>(
        "SELECT 1 AS one FROM campaign_deliveries WHERE campaign_id = ? AND conversation_id = ? AND state = 'sent'",
        [id, conversationId],
      );
      if (sent)
        await db.run(
          "INSERT INTO campaign_opens (campaign_id, conversation_id, opened_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
          [id, conversationId, at],
        );
      return c.attachments;
    },
  };
}

export type CampaignService = ReturnType<typeof createCampaigns>;

export const STATE_LABELS: Record<CampaignState, string> = {
  draft: "待审核",
  approved: "已批准，等待发送",
  sending: "发送中",
  paused: "已暂停",
  done: "已发送完",
  cancelled: "已取消",
};

const ACTION_LABELS: Record<CampaignState, string> = {
  draft: "改为草稿",
  approved: "批准",
  sending: "开始发送",
  paused: "暂停",
  done: "结束",
  cancelled: "取消",
};
