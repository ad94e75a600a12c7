import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../bot/config.js";
import { COMPLAINT_TOPIC } from "../handoff/complaint-context.js";
import { createSpikeWatch, type SpikeAlert } from "../handoff/spike-watch.js";
import { poissonTail } from "../handoff/spikes.js";
import { runCommand, testAssistant } from "./helpers.js";
import { forEachStore, storeEnv } from "./stores.js";
import {
  fileLive,
  importRows,
  letter,
  noon,
  openCrisisCase,
  type StreamCell,
  steadyStream,
} from "./stream-fixtures.js";

/**
 * Spikes on invented streams: ten weeks of steady letters over three 旗县区 and three categories (weekends
 * quieter), then a day on which one cell rises clearly. Only that cell may be reported, with the cases behind it;
 * a steady stream yields nothing; crisis cases appear only as counts, never under 5.
 */
const DAY = "2026-03-18"; // a Wednesday
const CELLS: StreamCell[] = [
  { county: "准格尔旗", category: "wage-arrears", perDay: 0.4 },
  { county: "准格尔旗", category: "property-housing", perDay: 1.5 },
  { county: "准格尔旗", category: "environment", perDay: 0.3 },
  { county: "松山区", category: "wage-arrears", perDay: 0.6 },
  { county: "松山区", category: "property-housing", perDay: 3 },
  { county: "松山区", category: "urban-management", perDay: 2 },
  { county: "回民区", category: "property-housing", perDay: 4 },
  { county: "回民区", category: "education", perDay: 1 },
  { county: "回民区", category: "transport", perDay: 0.8 },
];

let cleanup: (() => Promise<void>) | undefined;
forEachStore(() => {
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  async function streamUntil(day: string) {
    const a = await testAssistant({ now: () => new Date(noon(day, 600)) });
    cleanup = a.cleanup;
    // The day itself carries its usual, steady share too.
    await importRows(a, steadyStream(CELLS, day, 70));
    return a;
  }

  describe("spikes", () => {
    it("a steady stream yields no spike on any of its last two weeks", async () => {
      const a = await streamUntil(DAY);
      const watch = createSpikeWatch({ db: a.db, live: a.live });
      for (let k = 0; k < 14; k++) {
        const day = new Date(Date.parse(`${DAY}T00:00:00Z`) - k * 86_400_000).toISOString().slice(0, 10);
        expect(await watch.detect(day)).toEqual([]);
      }
    });

    it("a clear rise in one 旗县区 × category is exactly that spike, with its cases, live and imported", async () => {
      const a = await streamUntil(DAY);
      const rise = Array.from({ length: 6 }, (_, i) =>
        letter(`rise-${i}`, { county: "准格尔旗", category: "wage-arrears" }, DAY, i),
      );
      await importRows(a, rise);
      const live = [
        await fileLive(a, {
          county: "准格尔旗",
          category: "wage-arrears",
          what: "大路镇工地拖欠农民工工资三个月",
          at: noon(DAY, 30),
        }),
        await fileLive(a, {
          county: "准格尔旗",
          category: "wage-arrears",
          what: "薛家湾镇煤矿外包队欠我们一年的工钱",
          at: noon(DAY, 40),
        }),
      ];
      const watch = createSpikeWatch({ db: a.db, live: a.live });
      const spikes = await watch.detect(DAY);
      expect(spikes.map((s) => [s.kind, s.league, s.county, s.category])).toEqual([
        ["complaints", "鄂尔多斯市", "准格尔旗", "wage-arrears"],
      ]);
      const [spike] = spikes;
      expect(spike?.observed).toBeGreaterThanOrEqual(8);
      expect(spike?.expected).toBeLessThan(1);
      const cases = await watch.casesBehind(spike as NonNullable<typeof spike>);
      expect(cases.slice(0, 2)).toEqual(live);
      expect(cases).toEqual(expect.arrayContaining(rise.map((r) => `old:${r.id}`)));
      // The day after, the same cell is back to normal.
      expect(await watch.detect("2026-03-19")).toEqual([]);
    });

    it("a count far above what is expected is improbable, one near it ordinary", () => {
      // Seeing 6 where 1 is expected is rare; where 3 are expected it is ordinary.
      expect(poissonTail(6, 1)).toBeLessThan(1e-3);
      expect(poissonTail(6, 3)).toBeGreaterThan(0.05);
      expect(poissonTail(0, 2)).toBe(1);
    });

    it("crisis cases count only from 5: three in a day say nothing, eight are a spike without cases", async () => {
      const a = await streamUntil(DAY);
      const watch = createSpikeWatch({ db: a.db, live: a.live });
      for (let i = 0; i < 3; i++) await openCrisisCase(a, noon(DAY, i));
      expect(await watch.detect(DAY)).toEqual([]);
      for (let i = 0; i < 5; i++) await openCrisisCase(a, noon(DAY, 10 + i));
      const spikes = await watch.detect(DAY);
      expect(spikes).toHaveLength(1);
      expect(spikes[0]).toMatchObject({ kind: "crisis", observed: 8, county: null, category: null });
      expect(await watch.casesBehind(spikes[0] as NonNullable<(typeof spikes)[0]>)).toEqual([]);
    });

    it("the sweeper stores a spike before alerting, and alerts supervisors once however often it runs", async () => {
      const a = await streamUntil(DAY);
      await importRows(
        a,
        Array.from({ length: 8 }, (_, i) =>
          letter(`e-${i}`, { county: "回民区", category: "transport" }, DAY, i),
        ),
      );
      const alerts: SpikeAlert[] = [];
      a.live.subscribe(COMPLAINT_TOPIC, (e) => {
        if (e.type === "spike") alerts.push(e.data as SpikeAlert);
      });
      const watch = createSpikeWatch({ db: a.db, live: a.live, now: () => new Date(noon(DAY, 600)) });
      expect(await watch.sweep(true)).toEqual({ spikes: 1, alerted: 1 });
      expect(await watch.sweep(true)).toEqual({ spikes: 1, alerted: 0 });
      // A second watcher (a restart) finds it alerted in the database.
      const again = createSpikeWatch({ db: a.db, live: a.live, now: () => new Date(noon(DAY, 660)) });
      expect((await again.sweep()).alerted).toBe(0);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ county: "回民区", category: "transport", day: DAY, observed: 8 });
      expect(alerts[0]?.cases).toHaveLength(8);
      const stored = await watch.list(DAY, DAY);
      expect(stored).toHaveLength(1);
      expect(stored[0]?.alertedAt).not.toBeNull();
    });
  });

  describe("shouwang spikes", () => {
    it("prints the day's spikes, as JSON too, and refuses bad dates and an empty range", async () => {
      const a = await streamUntil(DAY);
      await importRows(
        a,
        Array.from({ length: 7 }, (_, i) =>
          letter(`p-${i}`, { county: "准格尔旗", category: "environment" }, DAY, i),
        ),
      );
      const config = parseConfig(storeEnv(a.target));
      const json = await runCommand(config, ["spikes", "--date", DAY, "--json"]);
      expect(json.code).toBe(0);
      const out = JSON.parse(json.out) as { county: string; category: string; cases: string[] }[];
      expect(out.map((s) => [s.county, s.category, s.cases.length])).toEqual([
        ["准格尔旗", "environment", 7],
      ]);
      const text = await runCommand(config, ["spikes", "--from", "2026-03-16", "--to", DAY]);
      expect(text.out).toContain("准格尔旗");
      expect(text.out).toContain("生态环境污染");
      const before = await a.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM spikes");

      const bad = await runCommand(config, ["spikes", "--date", "2026-02-30"]);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain("不是有效日期");
      const empty = await runCommand(config, ["spikes", "--from", DAY, "--to", "2026-03-01"]);
      expect(empty.code).toBe(2);
      expect(empty.err).toContain("日期范围为空");
      expect(await a.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM spikes")).toEqual(before);
    });
  });
});
