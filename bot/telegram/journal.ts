import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import type { Transformer } from "grammy";

/**
 * Which logical message a sendMessage call carries: message `seq` of update `updateId`'s turn, or the outbox
 * row of stored event `eventId`. `resend` marks a turn whose message must arrive even at the cost of a double
 * (a crisis turn); outbox rows are judged at recovery, from the conversation's open case.
 */
export type SendTag =
  | { kind: "turn"; updateId: number; seq: number; resend: boolean }
  | { kind: "outbox"; eventId: number };

/**
 * What the journal says of one message when the previous process stopped: `leaving` (the request was handed
 * to the HTTP client and no answer was seen: Telegram may or may not have it), or `accepted` (Telegram
 * answered ok, with `messageId`). Messages whose last attempt was refused or failed are not listed: nothing
 * of them reached the citizen, as far as anyone can know, and they are sent again like unjournaled ones.
 */
export interface JournalEntry {
  tag: SendTag;
  state: "leaving" | "accepted";
  messageId?: number;
}

export type SendJournal = ReturnType<typeof openSendJournal>;

/** Next to the database, like SQLite's own -wal file; none for an in-memory database, which a crash empties. */
export const journalPathOf = (dbPath: string): string | undefined =>
  dbPath === "" || dbPath === ":memory:" || dbPath.startsWith("file::memory:")
    ? undefined
    : `${dbPath}-telegram-sends`;

/**
 * Beyond this many bytes appended (a few thousand messages), the journal is rewritten with only what is still
 * unconfirmed, so it stays small and a restart reads little.
 */
const ROTATE_BYTES = 256 * 1024;

const keyOf = (t: SendTag) => (t.kind === "turn" ? `t:${t.updateId}:${t.seq}` : `o:${t.eventId}`);

function tagOf(key: string, flag: string | undefined): SendTag | undefined {
  const turn = /^t:(\d+):(\d+)$/.exec(key);
  if (turn) return { kind: "turn", updateId: Number(turn[1]), seq: Number(turn[2]), resend: flag === "!" };
  const out = /^o:(\d+)$/.exec(key);
  return out ? { kind: "outbox", eventId: Number(out[1]) } : undefined;
}

/**
 * Lines are `L <key> <!|->` (leaving; `!` = resend on doubt), `A <key> <message_id>` (accepted),
 * `R <key>` (refused or failed). The last line for a key wins.
 */
function parse(text: string): Map<string, JournalEntry> {
  const entries = new Map<string, JournalEntry>();
  const resend = new Map<string, boolean>();
  const lines = text.split("\n");
  // Whatever follows the last newline is a line the kill cut short (or nothing).
  lines.pop();
  for (const line of lines) {
    const [op, key, arg, extra] = line.split(" ");
    if (!key || extra !== undefined) continue;
    if (op === "L" && (arg === "!" || arg === "-")) {
      const tag = tagOf(key, arg);
      if (!tag) continue;
      resend.set(key, arg === "!");
      entries.set(key, { tag, state: "leaving" });
    } else if (op === "A" && arg && /^\d+$/.test(arg)) {
      const tag = tagOf(key, resend.get(key) ? "!" : "-");
      if (tag) entries.set(key, { tag, state: "accepted", messageId: Number(arg) });
    } else if (op === "R" && arg === undefined) {
      entries.delete(key);
    }
  }
  return entries;
}

/**
 * A file next to the database that records each sendMessage at the moment its request leaves, and its answer,
 * with synchronous appends: a kill -9 cannot lose what `writeSync` returned from (the page cache belongs to
 * the kernel, not the process), and no fsync is paid per message. SQLite's confirmation of a send (`markSent`,
 * `outboxSent`) comes a group commit later; this file covers that gap, so a restart can tell "certainly never
 * left" from "may have reached the citizen". Only a machine crash loses it, and the database's WAL
 * (synchronous=NORMAL) is no more durable than that either.
 */
export function openSendJournal(path: string | undefined, onError: (err: unknown) => void = () => undefined) {
  /** What the previous process left unconfirmed; read once, before this process appends anything. */
  const previous =
    path && existsSync(path) ? parse(readFileSync(path, "utf8")) : new Map<string, JournalEntry>();
  /** This process's sends whose confirmation is not committed yet: what a rotation must keep. */
  const pending = new Map<string, string>();
  let carryPrevious = previous.size > 0;
  let fd: number | undefined;
  let appended = 0;

  const lineOf = (key: string, e: JournalEntry) =>
    e.state === "leaving"
      ? `L ${key} ${e.tag.kind === "turn" && e.tag.resend ? "!" : "-"}\n`
      : `L ${key} ${e.tag.kind === "turn" && e.tag.resend ? "!" : "-"}\nA ${key} ${e.messageId}\n`;

  function rotate(): void {
    if (!path) return;
    let text = "";
    if (carryPrevious) for (const [key, e] of previous) text += lineOf(key, e);
    for (const lines of pending.values()) text += lines;
    // A kill between these two calls leaves the old file whole: the rename is the switch.
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
    if (fd !== undefined) closeSync(fd);
    fd = openSync(path, "a");
    appended = 0;
  }

  function append(key: string, line: string, keep: "add" | "drop"): void {
    if (keep === "drop") pending.delete(key);
    else pending.set(key, (pending.get(key) ?? "") + line);
    if (!path) return;
    try {
      fd ??= openSync(path, "a");
      writeSync(fd, line);
      appended += line.length;
      if (appended > ROTATE_BYTES) rotate();
    } catch (err) {
      // A journal that cannot be written (disk full) must not stop replies: the send goes ahead unjournaled,
      // which a restart treats as never sent, the behaviour without a journal.
      onError(err);
    }
  }

  return {
    path,
    /** Messages the previous process journaled as leaving or accepted, whatever SQLite says of them. */
    previous: (): JournalEntry[] => [...previous.values()],
    leaving(tag: SendTag): void {
      const key = keyOf(tag);
      // A retry starts the key's record afresh: only its last attempt matters.
      pending.delete(key);
      append(key, `L ${key} ${tag.kind === "turn" && tag.resend ? "!" : "-"}\n`, "add");
    },
    accepted(tag: SendTag, messageId: number): void {
      const key = keyOf(tag);
      append(key, `A ${key} ${messageId}\n`, "add");
    },
    refused(tag: SendTag): void {
      const key = keyOf(tag);
      append(key, `R ${key}\n`, "drop");
    },
    /** SQLite now holds the message's confirmation: the journal need not keep it past the next rotation. */
    committed(tag: SendTag): void {
      pending.delete(keyOf(tag));
    },
    /** The previous process's entries are settled in SQLite: start the file afresh with this process's own. */
    recovered(): void {
      carryPrevious = false;
      previous.clear();
      try {
        rotate();
      } catch (err) {
        // The old entries stay in the file; they are settled in SQLite, so the next restart skips them.
        onError(err);
      }
    },
    /** Rewrites the file with what is still unconfirmed (after a clean stop, usually nothing) and closes it. */
    close(): void {
      try {
        rotate();
        if (fd !== undefined) closeSync(fd);
      } catch (err) {
        onError(err);
      }
      fd = undefined;
    },
  };
}

/**
 * The innermost API transformer: it runs when the throttler and auto-retry have let a sendMessage go, right
 * before the HTTP request is made, so "leaving" means leaving now. A call is recognised by its payload object
 * (grammY hands the same object down the chain), never by anything added to the payload, which would be sent
 * to Telegram.
 */
export function journalTransformer(journal: SendJournal, tags: WeakMap<object, SendTag>): Transformer {
  return async (prev, method, payload, signal) => {
    const tag = method === "sendMessage" ? tags.get(payload) : undefined;
    if (!tag) return prev(method, payload, signal);
    journal.leaving(tag);
    let res: Awaited<ReturnType<typeof prev>>;
    try {
      res = await prev(method, payload, signal);
    } catch (e) {
      // The live path sends again after an HTTP error too: a restart must not be more trusting than it.
      journal.refused(tag);
      throw e;
    }
    const id = res.ok ? (res.result as { message_id?: unknown }).message_id : undefined;
    if (typeof id === "number") journal.accepted(tag, id);
    else journal.refused(tag);
    return res;
  };
}
