import type { Writable } from "node:stream";
import { isAppError } from "../../core/app-error.js";
import { linkSlackUser, listSlackUsers, unlinkSlackUser } from "./store.js";

export const SLACK_USAGE = `  shouwang slack link <Slack 成员 ID> <user>
                           let a Slack user act as a staff account in Slack (ID like U0123ABCD: profile → ⋮ → 复制成员 ID)
  shouwang slack unlink <Slack 成员 ID>
                           remove that link
  shouwang slack links     list every link
`;

/**
 * `shouwang slack link|unlink|links`: the Slack user ↔ staff account mapping. Loads no Slack library, only
 * the database, so bot/cli.ts can import it lazily.
 */
export async function runSlackCommand(
  args: string[],
  dbPath: string,
  io: { stdout: Writable; stderr: Writable },
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "link" && sub !== "unlink" && sub !== "links") {
    io.stderr.write(`unknown slack command: ${args.join(" ")}\n${SLACK_USAGE}`);
    return 2;
  }
  if ((sub === "link" && rest.length !== 2) || (sub === "unlink" && rest.length !== 1)) {
    io.stderr.write(SLACK_USAGE);
    return 2;
  }
  const { openDatabase } = await import("../../store/db.js");
  const db = await openDatabase(dbPath);
  try {
    if (sub === "links") {
      for (const l of await listSlackUsers(db)) io.stdout.write(`${l.slackUserId}\t${l.username}\n`);
      return 0;
    }
    const [slackUserId = "", username = ""] = rest;
    if (sub === "link") {
      await linkSlackUser(db, slackUserId, username);
      io.stdout.write(`${slackUserId} → ${username}\n`);
      return 0;
    }
    if (await unlinkSlackUser(db, slackUserId)) {
      io.stdout.write(`${slackUserId} unlinked\n`);
      return 0;
    }
    io.stderr.write(`${slackUserId} was not linked\n`);
    return 1;
  } catch (e) {
    if (!isAppError(e)) throw e;
    io.stderr.write(`${e.message}\n`);
    return 1;
  } finally {
    await db.close();
  }
}
