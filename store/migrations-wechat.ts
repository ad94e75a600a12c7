import type { Migration } from "./sql.js";

/** Tables owned by the WeChat channel; versions 900-999 are reserved for it. */
export const WECHAT_MIGRATIONS: readonly Migration[] = [
  {
    version: 900,
    name: "wechat answers owed after success",
    sql: `
      -- A message WeChat was told 'success' for before its answer went back in the response: the answer is owed
      -- through the customer-service API. The raw (decrypted) message is kept until the answer has gone, so a
      -- restart can run the turn again (idempotent by its delivery key) and send what it answered; then the row
      -- goes. Rows never outlive their send. sending_at marks a send handed to the API: after a crash its fate is
      -- unknown, and only a crisis answer is sent again (better twice than never); others are not doubled.
      CREATE TABLE wechat_owed (
        key TEXT PRIMARY KEY,
        open_id TEXT NOT NULL,
        xml TEXT NOT NULL,
        created_at TEXT NOT NULL,
        sending_at TEXT
      ) WITHOUT ROWID;
      CREATE INDEX wechat_owed_by_open_id ON wechat_owed(open_id);
    `,
  },
];
