import { join } from "node:path";
import { type buildNlu, createAssistant } from "../bot/assistant.js";
import { createLogger } from "../core/logger.js";
import { signatureOf } from "../handoff/complaint-filing.js";
import { loadPlaces } from "../intents/places.js";
import type { ComplaintDraft } from "../store/conversations.js";
import type { Param } from "../store/sql.js";
import { percentile } from "./stats.js";

const WHATS = [
  "工地老板拖欠农民工三个月工资一直不给",
  "村里征地补偿款被村干部截留没有发到户",
  "小区旁边的工厂夜里排放黑烟气味很大",
  "医院手术后出现并发症要求医院说明情况",
  "草场被邻居越界放牧网围栏被拆",
  "饭店卖过期食品吃了以后拉肚子",
];
const CATEGORIES = [
  "wage-arrears",
  "land-expropriation",
  "environment",
  "medical-dispute",
  "grassland",
  "food-drug-safety",
];

/**
 * Filing throughput and the merge check's cost as open cases grow. The check reads one indexed bucket (category,
 * place, open, recent; at most 200 rows), so its cost should stay flat from 1k to 100k open cases.
 */
export async function benchComplaints(
  tmp: string,
  bundle: ReturnType<typeof buildNlu>,
  line: (s: string) => void,
) {
  const counties = loadPlaces().data.leagues.flatMap((l) =>
    l.counties.map((c) => ({ league: l.name, county: c.name })),
  );
  const results: { size: number; perSecond: number; p50: number; p99: number }[] = [];
  for (const size of [1_000, 10_000, 100_000]) {
    const a = await createAssistant({
      dbPath: join(tmp, `complaints-${size}.db`),
      logger: createLogger({ level: "silent" }),
      nlu: bundle,
    });
    await seed(a, size, counties);
    const times: number[] = [];
    const n = 400;
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      const place = counties[(i * 7) % counties.length] ?? { league: "赤峰市", county: "松山区" };
      const draft: ComplaintDraft = {
        awaiting: "confirm",
        what: `${WHATS[i % WHATS.length]}，第${i}次反映`,
        ask: "尽快处理",
        category: CATEGORIES[i % CATEGORIES.length],
        categoryConfirmed: true,
        ...place,
        detail: "",
        contact: "chat",
      };
      const at = new Date().toISOString();
      const conversationId = `bench-file-${size}-${i}`;
      const t0 = performance.now();
      await a.db.transaction(async (tx) => {
        await tx.run(
          "INSERT INTO conversations (id, channel, created_at, updated_at) VALUES (?, 'web', ?, ?)",
          [conversationId, at, at],
        );
        await a.complaints.file(tx, { conversationId, channel: "web", citizen: conversationId, draft, at });
      });
      a.complaints.afterCommit(conversationId);
      times.push(performance.now() - t0);
    }
    const elapsed = (performance.now() - start) / 1000;
    times.sort((x, y) => x - y);
    results.push({ size, perSecond: n / elapsed, p50: percentile(times, 50), p99: percentile(times, 99) });
    await a.close();
  }
  for (const r of results) {
    line(
      `${String(r.size).padStart(7)} open cases: filing ${r.perSecond.toFixed(0)}/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms`,
    );
  }
  const [small, , large] = results;
  if (small && large) {
    line(
      `filing cost at 100k open cases is ${(small.perSecond / large.perSecond).toFixed(2)}x the cost at 1k (100x more cases; linear would be ~100x)`,
    );
  }
}

async function seed(
  a: Awaited<ReturnType<typeof createAssistant>>,
  size: number,
  counties: { league: string; county: string }[],
) {
  const at = new Date().toISOString();
  const chunk = 500;
  for (let base = 0; base < size; base += chunk) {
    const convs: Param[] = [];
    const rows: Param[] = [];
    let n = 0;
    for (let i = base; i < Math.min(size, base + chunk); i++, n++) {
      const place = counties[i % counties.length] ?? { league: "赤峰市", county: "松山区" };
      const what = `${WHATS[i % WHATS.length]}${i}`;
      convs.push(`seed-${i}`, "web", at, at);
      rows.push(
        `SW-2025-${String(i + 1).padStart(6, "0")}`,
        `seed-${i}`,
        "web",
        `seed-${i}`,
        CATEGORIES[i % CATEGORIES.length] ?? "other",
        place.league,
        place.county,
        what,
        "尽快处理",
        "chat",
        "x",
        "x",
        "seed",
        "dispatched",
        signatureOf(what).join(" "),
        at,
        at,
        at,
        at,
      );
    }
    const values = (k: number) => `(${Array(k).fill("?").join(", ")})`;
    await a.db.script([
      {
        sql: `INSERT INTO conversations (id, channel, created_at, updated_at) VALUES ${Array(n).fill(values(4)).join(", ")}`,
        params: convs,
      },
      {
        sql: `INSERT INTO complaints (id, conversation_id, channel, citizen, category, league, county, what, ask, contact,
          department_id, department_name, dispatch_rule, state, signature, opened_at, accept_by, handle_by, updated_at)
          VALUES ${Array(n).fill(values(19)).join(", ")}`,
        params: rows,
      },
    ]);
  }
}
