/**
 * `shouwang campaign …`: the console's campaign operations for admins' scripts, on the same database while the
 * server runs (SQLite in WAL mode; the running server's dispatcher sends what is approved and due).
 */
import { isAppError } from "../core/app-error.js";
import type { Io } from "./cli-io.js";
import { type Config, databaseOf } from "./config.js";

export const CAMPAIGNS_USAGE = `  shouwang campaign create --title 标题 --topic 劳动 [--topic …] [--place 呼和浩特市]... --text "正文"
                           [--at 2026-03-15T09:00+08:00] [--quiet-hours 21:00-08:00|none] [--cap 3]
                           [--channel web|telegram|wechat]... [--entry 知识条目id]... [--article "劳动合同法 第三十条"]...
                           --by USERNAME        draft a 普法 campaign (admin or editor); prints its id
  shouwang campaign approve|pause|resume|cancel ID --by USERNAME
                           approve (an admin other than the author), pause, resume or cancel a campaign
  shouwang campaign status ID [--json]     {state, recipients, sent, failed, skipped}
  shouwang campaign list [--json]
`;

const VALUED = new Set([
  "title",
  "topic",
  "place",
  "text",
  "at",
  "quiet-hours",
  "cap",
  "channel",
  "entry",
  "article",
  "by",
]);
const SWITCHES = new Set(["json"]);

class UsageError extends Error {}

function parse(args: readonly string[]) {
  const positional: string[] = [];
  const values = new Map<string, string[]>();
  const switches = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (SWITCHES.has(name)) switches.add(name);
    else if (VALUED.has(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      values.set(name, [...(values.get(name) ?? []), value]);
    } else throw new UsageError(`unknown option --${name}`);
  }
  const one = (name: string) => values.get(name)?.at(-1);
  const many = (name: string) => values.get(name) ?? [];
  return { positional, one, many, switches };
}

export async function campaignCommand(args: string[], config: Config, io: Io): Promise<number> {
  let p: ReturnType<typeof parse>;
  try {
    p = parse(args);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n\n${CAMPAIGNS_USAGE}`);
    return 2;
  }
  const [sub, idText] = p.positional;
  const usage = (why: string) => {
    io.stderr.write(`${why}\n\n${CAMPAIGNS_USAGE}`);
    return 2;
  };
  if (!sub || !["create", "approve", "pause", "resume", "cancel", "status", "list"].includes(sub))
    return usage(`unknown campaign command: ${sub ?? "(none)"}`);
  const id = idText === undefined ? undefined : Number(idText);
  if (sub !== "create" && sub !== "list" && (id === undefined || !Number.isSafeInteger(id) || id <= 0))
    return usage(`campaign ${sub} needs a campaign id`);
  const by = p.one("by");
  if (["create", "approve", "pause", "resume", "cancel"].includes(sub) && !by)
    return usage(`campaign ${sub} needs --by USERNAME (who does it, for the record)`);

  const [{ openDatabase }, { createStaffDirectory }, { createCampaigns }, { loadPlaces }, lib] =
    await Promise.all([
      import("../store/db.js"),
      import("../handoff/staff.js"),
      import("../campaigns/campaigns.js"),
      import("../intents/places.js"),
      import("./campaign-library.js"),
    ]);
  const { loadKnowledge } = await import("../knowledge/load.js");
  const { loadStatutes } = await import("../knowledge/statutes.js");
  const { parseQuietHours } = await import("../campaigns/campaign-rules.js");
  const db = await openDatabase(databaseOf(config));
  try {
    const campaigns = createCampaigns({
      db,
      staff: createStaffDirectory(db),
      places: loadPlaces(),
      library: lib.campaignLibrary(
        () => loadKnowledge(config.SHOUWANG_KNOWLEDGE_DIR),
        () => loadStatutes(),
      ),
    });
    const user = by as string;
    switch (sub) {
      case "create": {
        const title = p.one("title");
        const text = p.one("text");
        if (title === undefined || text === undefined || p.many("topic").length === 0)
          return usage("campaign create needs --title, --topic and --text");
        const quiet = p.one("quiet-hours");
        const cap = p.one("cap");
        const { campaign, audience } = await campaigns.create(
          {
            title,
            body: text,
            topics: p.many("topic"),
            places: p.many("place"),
            ...(p.many("channel").length > 0 ? { channels: p.many("channel") } : {}),
            entries: p.many("entry"),
            articles: p.many("article"),
            ...(p.one("at") !== undefined ? { sendAt: p.one("at") } : {}),
            ...(quiet !== undefined ? { quietHours: parseQuietHours(quiet) } : {}),
            ...(cap !== undefined ? { weeklyCap: Number(cap) } : {}),
          },
          user,
        );
        io.stdout.write(`${campaign.id}\n`);
        io.stderr.write(
          `drafted campaign ${campaign.id} for ${audience.total} subscriber(s); it waits for another admin's approval\n`,
        );
        return 0;
      }
      case "approve":
      case "pause":
      case "resume":
      case "cancel": {
        const c = await campaigns[sub](id as number, user);
        io.stdout.write(`${c.id} ${c.state}\n`);
        return 0;
      }
      case "status": {
        const s = await campaigns.status(id as number);
        if (p.switches.has("json")) {
          const { state, recipients, sent, failed, skipped } = s;
          io.stdout.write(
            `${JSON.stringify({ state, recipients, sent, failed, skipped, queued: s.queued, skippedBy: s.skippedBy, unsubscribedAfter: s.unsubscribedAfter, opens: s.opens })}\n`,
          );
        } else {
          const reasons = Object.entries(s.skippedBy)
            .map(([r, n]) => `${r} ${n}`)
            .join(", ");
          io.stdout.write(
            `campaign ${s.id}: ${s.state}; recipients ${s.recipients}, sent ${s.sent}, failed ${s.failed}, skipped ${s.skipped}${reasons ? ` (${reasons})` : ""}, queued ${s.queued}; unsubscribed after it ${s.unsubscribedAfter}; 了解更多 opens ${s.opens}\n`,
          );
        }
        return 0;
      }
      case "list": {
        const list = await campaigns.list();
        if (p.switches.has("json"))
          io.stdout.write(`${JSON.stringify(list.map(({ body: _b, ...c }) => c))}\n`);
        else
          for (const c of list)
            io.stdout.write(`${c.id}\t${c.state}\t${c.sendAt}\t${c.author}\t${c.title}\n`);
        return 0;
      }
    }
    return 2;
  } catch (e) {
    if (!isAppError(e)) throw e;
    io.stderr.write(`refused: ${e.message}\n`);
    return 1;
  } finally {
    await db.close();
  }
}
