import type { Db } from "../store/db.js";
import { hotIssueMessages } from "./complaint-history.js";
import { findHotIssues, type HotIssue, type HotIssueReader } from "./hot-issues.js";

/**
 * Hot issues for the dashboard, computed by the sweeper and stored: grouping a busy month takes seconds, which a
 * supervisor opening the page must not wait for (nor the citizens whose turns share this process).
 */
export interface HotIssueSnapshot {
  computedAt: string;
  from: string;
  to: string;
  messages: number;
  issues: HotIssue[];
}

const WINDOW_DAYS = 30;
const EVERY_MS = 3_600_000;
/**
 * The newest messages only beyond this: the grouping runs on the server's one thread, and 20,000 letters cost
 * about two seconds of it (bench/hotspots.ts). A month of a busier centre is ranked from its latest 20,000.
 */
const MAX_MESSAGES = 20_000;
const KEEP = 10;

export function createHotIssueSnapshots(deps: { db: Db; reader: () => HotIssueReader; now?: () => Date }) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  // The first computation waits a minute after start-up: the sweeper's first tick must not hold up the first
  // citizens' turns with seconds of grouping.
  let lastRun = now().getTime() - EVERY_MS + 60_000;

  async function compute(): Promise<HotIssueSnapshot> {
    const to = now().getTime();
    const from = to - WINDOW_DAYS * 86_400_000;
    const messages = (await hotIssueMessages(db, { from, to: to + 1 }))
      .sort((a, b) => b.time - a.time)
      .slice(0, MAX_MESSAGES);
    const issues = messages.length ? findHotIssues(messages, deps.reader(), { top: 20 }) : [];
    const snapshot: HotIssueSnapshot = {
      computedAt: new Date(to).toISOString(),
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      messages: messages.length,
      issues,
    };
    await db.run(
      "INSERT INTO hot_issue_snapshots (computed_at, range_from, range_to, messages, issues) VALUES (?, ?, ?, ?, ?)",
      [snapshot.computedAt, snapshot.from, snapshot.to, snapshot.messages, JSON.stringify(issues)],
    );
    await db.run(
      "DELETE FROM hot_issue_snapshots WHERE id NOT IN (SELECT id FROM hot_issue_snapshots ORDER BY id DESC LIMIT ?)",
      [KEEP],
    );
    return snapshot;
  }

  return {
    compute,
    async latest(): Promise<HotIssueSnapshot | undefined> {
      const r = await db.get<{
        computed_at: string;
        range_from: string;
        range_to: string;
        messages: number;
        issues: string;
      }>("SELECT * FROM hot_issue_snapshots ORDER BY id DESC LIMIT 1");
      return r
        ? {
            computedAt: r.computed_at,
            from: r.range_from,
            to: r.range_to,
            messages: r.messages,
            issues: JSON.parse(r.issues) as HotIssue[],
          }
        : undefined;
    },
    /** The sweeper's job: at most hourly. */
    async sweep(): Promise<number> {
      if (now().getTime() - lastRun < EVERY_MS) return 0;
      lastRun = now().getTime();
      return (await compute()).issues.length;
    },
  };
}

export type HotIssueSnapshots = ReturnType<typeof createHotIssueSnapshots>;
