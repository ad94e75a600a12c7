import type { Db } from "../../store/db.js";

/**
 * Answers owed through the customer-service API after WeChat was told `success`: the raw message is stored
 * before that word goes back, so nothing acknowledged is lost if the process dies before the answer leaves.
 */
export function createOwedAnswers(db: Db, now: () => Date) {
  return {
    add: (key: string, openId: string, xml: string) =>
      db.transaction((tx) =>
        tx.run(
          "INSERT INTO wechat_owed (key, open_id, xml, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
          [key, openId, xml, now().toISOString()],
        ),
      ),
    has: async (key: string) =>
      (await db.get("SELECT 1 AS one FROM wechat_owed WHERE key = ?", [key])) !== undefined,
    /** The send is being handed to the API: from here a crash leaves its fate unknown. */
    sending: (key: string) =>
      db.transaction((tx) =>
        tx.run("UPDATE wechat_owed SET sending_at = ? WHERE key = ?", [now().toISOString(), key]),
      ),
    /** WeChat answered the send with an error: it did not arrive, so a restart may send it again. */
    notSent: (key: string) =>
      db.transaction((tx) => tx.run("UPDATE wechat_owed SET sending_at = NULL WHERE key = ?", [key])),
    done: (key: string) => db.transaction((tx) => tx.run("DELETE FROM wechat_owed WHERE key = ?", [key])),
    pending: () =>
      db.all<{ key: string; open_id: string; xml: string; sending_at: string | null }>(
        "SELECT key, open_id, xml, sending_at FROM wechat_owed ORDER BY created_at",
      ),
  };
}
