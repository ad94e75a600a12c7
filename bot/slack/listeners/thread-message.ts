/** The fields of a message event the thread listeners read (the event is a wide union of subtypes). */
export interface ThreadMessage {
  type: "message";
  subtype?: string;
  channel: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  files?: unknown[];
}

/** Colleagues talking among themselves in a card's thread: never sent to the citizen. */
export const NOTE_PREFIX = /^\s*(\/\/|＃备注|#备注)\s*/;
