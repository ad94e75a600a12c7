import { randomUUID } from "node:crypto";
import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import type { Transformer } from "grammy";
import { crashPoint } from "./crash.js";
import type { WireFetch } from "./wire.js";

/**
 * Which logical message a sendMessage call carries: message `seq` of update `updateId`'s turn, or the outbox
 * row of stored event `eventId`. `resend` marks a turn whose message must arrive even at the cost of a double
 * (a crisis turn); at recovery a turn in a chat with an open crisis case is resent too, as are outbox rows there.
 */
export type SendTag =
  | { kind: "turn"; updateId: number; seq: number; resend: boolean }
  | { kind: "outbox"; eventId: number }
  /** A campaign message: row `deliveryId` of campaign_deliveries. Never resent on doubt (at most once). */
  | { kind: "campaign"; deliveryId: number };

/**
 * What the journal says of one message when the previous process stopped:
 * - `leaving`: handed to the HTTP client, but no byte of its request written yet (waiting for a socket,
 *   connecting, in TLS): Telegram cannot have it, so it is sent again like an unjournaled message;
 * - `wire`: its request was being written to the kernel (the mark comes right before the write, in the same
 *   synchronous step), which transmits it even after the process dies; no answer was seen, so Telegram may or
 *   may not have it;
 * - `accepted`: Telegram answered ok, with `messageId`.
 * Messages whose last attempt was refused or failed are not listed: nothing of them reached the citizen, as far
 * as anyone can know, and they are sent again like unjournaled ones.
 */
export interface JournalEntry {
  tag: SendTag;
  state: "leaving" | "wire" | "accepted";
  messageId?: number;
}

export type SendJournal = ReturnType<typeof openSendJournal>;

/** Beside the SQLite file, like its -wal; none in memory, nor on PostgreSQL (TelegramConfig.journalPath). */
export const journalPathOf = (dbPath: string): string | undefined =>
  dbPath === "" ||
  dbPath === ":memory:" ||
  dbPath.startsWith("file::memory:") ||
  /^postgres(ql)?:\/\//i.test(dbPath)
    ? undefined
    : `${dbPath}-telegram-sends`;

/** Holds `<pid> <hostname> <random token>` of the process that owns the journal (and so the channel). */
export const lockPathOf = (journalPath: string): string => `${journalPath}.lock`;

/** Another live process (or another channel in this one) runs the Telegram channel on this database. */
export class JournalLocked extends Error {}

/**
 * Beyond this many bytes appended (a few thousand messages), the journal is rewritten with only what is still
 * unconfirmed, so it stays small and a restart reads little.
 */
const ROTATE_BYTES = 256 * 1024;
/** A quiet bot appends little: without this, entries settled long ago would wait for 256 KB to go. */
const ROTATE_MS = 3600_000;
/** The lock's mtime is refreshed this often, so a process on another host can tell a live holder from a dead one. */
const BEAT_MS = 10_000;
const STALE_MS = 6 * BEAT_MS;

const keyOf = (t: SendTag) =>
  t.kind === "turn"
    ? `t:${t.updateId}:${t.seq}`
    : t.kind === "outbox"
      ? `o:${t.eventId}`
      : `c:${t.deliveryId}`;

function tagOf(key: string, flag: string | undefined): SendTag | undefined {
  const turn = /^t:(\d+):(\d+)$/.exec(key);
  if (turn) return { kind: "turn", updateId: Number(turn[1]), seq: Number(turn[2]), resend: flag === "!" };
  const out = /^o:(\d+)$/.exec(key);
  if (out) return { kind: "outbox", eventId: Number(out[1]) };
  const campaign = /^c:(\d+)$/.exec(key);
  return campaign ? { kind: "campaign", deliveryId: Number(campaign[1]) } : undefined;
}

/**
 * Lines are `L <key> <!|->` (leaving; `!` = resend on doubt), `W <key>` (on the wire), `A <key> <message_id>`
 * (accepted), `R <key>` (refused or failed). The last line for a key wins, except that `W` only follows `L`.
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
    } else if (op === "W" && arg === undefined) {
      const e = entries.get(key);
      if (e?.state === "leaving") e.state = "wire";
    } else if (op === "A" && arg && /^\d+$/.test(arg)) {
      const tag = tagOf(key, resend.get(key) ? "!" : "-");
      if (tag) entries.set(key, { tag, state: "accepted", messageId: Number(arg) });
    } else if (op === "R" && arg === undefined) {
      entries.delete(key);
    }
  }
  return entries;
}

/** Locks this process holds, by path, with their token: a second channel in the same process is refused too. */
const held = new Map<string, string>();

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function holderAlive(lockPath: string, text: string): boolean {
  const [pid, host, token] = text.trim().split(" ");
  // Unparsable: the link below makes a half-written lock impossible, so this is damage, not a live owner.
  if (!pid || !host || !token || !/^\d+$/.test(pid)) return false;
  if (host !== hostname()) {
    // Another machine or container: its pid means nothing here, its heartbeat does.
    try {
      return Date.now() - statSync(lockPath).mtimeMs < STALE_MS;
    } catch {
      return false;
    }
  }
  // Our own pid: a channel of this process, or a lock left by an earlier container that also ran as this pid.
  if (Number(pid) === process.pid) return held.get(lockPath) === text.trim();
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (e) {
    return errno(e) === "EPERM";
  }
}

/**
 * Takes the journal's lock or throws JournalLocked. The lock is created whole with link(2), which fails if the
 * path exists, so no reader ever sees it half written. A holder found dead (kill -9, crash) is replaced. Two
 * processes replacing the same dead holder at the same instant could both succeed; the read-back narrows that.
 */
function acquireLock(lockPath: string): string {
  const token = `${process.pid} ${hostname()} ${randomUUID()}`;
  const tmp = `${lockPath}.${process.pid}.tmp`;
  mkdirSync(dirname(lockPath), { recursive: true }); // A state folder (PostgreSQL) may not exist yet.
  writeFileSync(tmp, `${token}\n`);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, lockPath);
        if (readFileSync(lockPath, "utf8").trim() !== token) continue;
        held.set(lockPath, token);
        return token;
      } catch (e) {
        if (errno(e) !== "EEXIST") throw e;
      }
      let text: string;
      try {
        text = readFileSync(lockPath, "utf8");
      } catch (e) {
        if (errno(e) === "ENOENT") continue;
        throw e;
      }
      if (holderAlive(lockPath, text)) {
        const [pid, host] = text.trim().split(" ");
        throw new JournalLocked(
          `Telegram: another process (pid ${pid} on ${host}) is running the Telegram channel on this database ` +
            `(lock ${lockPath}). Stop it first; two would each take the other's sends for a crash's leftovers ` +
            "and lose replies. If that process is gone, delete the lock file.",
        );
      }
      rmSync(lockPath, { force: true });
    }
    throw new JournalLocked(`Telegram: could not take the send journal's lock ${lockPath}`);
  } finally {
    rmSync(tmp, { force: true });
  }
}

const ownsLock = (lockPath: string, token: string): boolean => {
  try {
    return readFileSync(lockPath, "utf8").trim() === token;
  } catch {
    return false;
  }
};

/**
 * A file next to the database that records each sendMessage as it is handed to the HTTP client, as its request
 * is written to the kernel, and its answer, with synchronous appends: a kill -9 cannot lose what
 * `writeSync` returned from (the page cache belongs to the kernel, not the process), and no fsync is paid per
 * message. SQLite's confirmation of a send (`markSent`, `outboxSent`) comes a group commit later; this file
 * covers that gap, so a restart can tell "certainly never left" from "may have reached the citizen". Only a
 * machine crash loses it, and the database's WAL (synchronous=NORMAL) is no more durable than that either.
 *
 * Opening it takes an exclusive lock (`<journal>.lock`): a second process on the same database (a rolling
 * deploy) would read this one's live entries as a crash's leftovers, record them as delivered, and so make
 * this one skip them. Throws JournalLocked while another live process holds it.
 */
export function openSendJournal(path: string | undefined, onError: (err: unknown) => void = () => undefined) {
  const lockPath = path ? resolve(lockPathOf(path)) : undefined;
  const token = lockPath ? acquireLock(lockPath) : undefined;
  /** What the previous process left unconfirmed; read once, before this process appends anything. */
  const previous =
    path && existsSync(path) ? parse(readFileSync(path, "utf8")) : new Map<string, JournalEntry>();
  /** This process's sends whose confirmation is not committed yet: what a rotation must keep. */
  const pending = new Map<string, string>();
  let carryPrevious = previous.size > 0;
  let fd: number | undefined;
  let appended = 0;
  let rotatedAt = Date.now();
  let closed = false;

  const flagOf = (t: SendTag) => (t.kind === "turn" && t.resend ? "!" : "-");
  const lineOf = (key: string, e: JournalEntry) =>
    `L ${key} ${flagOf(e.tag)}\n` +
    (e.state === "wire" ? `W ${key}\n` : "") +
    (e.state === "accepted" ? `A ${key} ${e.messageId}\n` : "");

  function rotate(): void {
    if (!path || !lockPath || !token) return;
    // A process whose lock was taken over (it was thought dead) must not replace the new owner's file.
    if (!ownsLock(lockPath, token)) throw new Error(`send journal ${path}: lock taken over; not rewritten`);
    let text = "";
    if (carryPrevious) for (const [key, e] of previous) text += lineOf(key, e);
    for (const lines of pending.values()) text += lines;
    // A kill between these two calls leaves the old file whole: the rename is the switch.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
    // Forgotten before closing: if the reopen throws, no later write may go to a descriptor number the OS has
    // since handed to another file (the database, its WAL).
    const old = fd;
    fd = undefined;
    if (old !== undefined) closeSync(old);
    fd = openSync(path, "a");
    appended = 0;
    rotatedAt = Date.now();
  }

  function append(key: string, line: string, keep: "add" | "drop"): void {
    if (keep === "drop") pending.delete(key);
    else pending.set(key, (pending.get(key) ?? "") + line);
    if (!path || closed) return;
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

  const timer =
    lockPath && token
      ? setInterval(() => {
          try {
            const now = new Date();
            if (ownsLock(lockPath, token)) utimesSync(lockPath, now, now);
            if (appended > 0 && now.getTime() - rotatedAt >= ROTATE_MS) rotate();
          } catch (err) {
            onError(err);
          }
        }, BEAT_MS)
      : undefined;
  timer?.unref();

  return {
    path,
    /** Messages the previous process journaled and never saw refused, whatever SQLite says of them. */
    previous: (): JournalEntry[] => [...previous.values()],
    leaving(tag: SendTag): void {
      const key = keyOf(tag);
      // A retry starts the key's record afresh: only its last attempt matters.
      pending.delete(key);
      append(key, `L ${key} ${flagOf(tag)}\n`, "add");
    },
    /**
     * The request is written to the kernel right after this returns: from here on Telegram may have the message.
     * Before it, nothing of the request has left, so a kill leaves `L` only and the message is sent again.
     */
    onWire(tag: SendTag): void {
      const key = keyOf(tag);
      // Refused or committed already (a request that outlived its attempt): nothing left to say.
      if (pending.has(key)) append(key, `W ${key}\n`, "add");
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
    /**
     * Rewrites the file with what is still unconfirmed (after a clean stop, usually nothing), closes it and
     * releases the lock. Later sends of this process (a request still running) are no longer journaled.
     */
    close(): void {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      try {
        rotate();
      } catch (err) {
        onError(err);
      }
      const old = fd;
      fd = undefined;
      try {
        if (old !== undefined) closeSync(old);
      } catch (err) {
        onError(err);
      }
      if (lockPath && token) {
        if (held.get(lockPath) === token) held.delete(lockPath);
        if (ownsLock(lockPath, token)) rmSync(lockPath, { force: true });
      }
    },
  };
}

/**
 * The innermost API transformer: it runs when the throttler and auto-retry have let a sendMessage go, right
 * before the HTTP request is made, so "leaving" means handed to the HTTP client now. The wire fetch calls
 * `onWire` once a socket is ready, immediately before it writes the request: a `W` line never lags behind bytes
 * the kernel already holds, so `L` without `W` always means Telegram cannot have it. A call is recognised by its
 * payload object (grammY hands the same object down the chain), never by anything added to the payload, which
 * would be sent to Telegram.
 * `journal` is read per call: the channel opens it only when it starts.
 */
export function journalTransformer(
  journal: () => SendJournal | undefined,
  tags: WeakMap<object, SendTag>,
  wire: Pick<WireFetch, "onWire">,
): Transformer {
  return async (prev, method, payload, signal) => {
    const j = journal();
    const tag = method === "sendMessage" && j ? tags.get(payload) : undefined;
    if (!tag || !j) return prev(method, payload, signal);
    crashPoint("send:before-L");
    j.leaving(tag);
    crashPoint("send:after-L");
    let res: Awaited<ReturnType<typeof prev>>;
    try {
      const sending = wire.onWire(
        () => j.onWire(tag),
        () => prev(method, payload, signal),
      );
      crashPoint("send:handed");
      res = await sending;
    } catch (e) {
      // The live path sends again after an HTTP error too: a restart must not be more trusting than it.
      j.refused(tag);
      throw e;
    }
    crashPoint("send:answered");
    const id = res.ok ? (res.result as { message_id?: unknown }).message_id : undefined;
    if (typeof id === "number") j.accepted(tag, id);
    else j.refused(tag);
    crashPoint("send:after-A");
    return res;
  };
}
