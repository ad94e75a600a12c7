import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../bot/config.js";
import { loadComplaintCategories } from "../handoff/complaint-categories.js";
import { openDatabase } from "../store/db.js";
import { excelSerial, xlsxWorkbook } from "./fixtures/xlsx.js";
import { runCommand, sharedNlu, tempDir } from "./helpers.js";

/** Invented work orders: mixed time formats, some with a place or category, one with likes and a reply. */
const ORDERS = [
  {
    id: "A-1",
    title: "鄂尔多斯市达拉特旗某工地拖欠农民工工资",
    text: "我们在达拉特旗一个工地干了半年，老板拖欠我们十二个人的工资一共二十多万，请帮忙讨薪。我的电话13812345678",
    time: "2019/1/11 9:32:09",
    likes: 12,
    reply: "已转达拉特旗人社局劳动监察大队处理。",
  },
  {
    id: "A-2",
    text: "小区门口的垃圾站一直不清运，臭味很大",
    time: "2019-07-21 10:05:00",
    place: "赤峰市松山区",
    category: "urban-management",
  },
  {
    id: "A-3",
    title: "咨询新生儿医保",
    text: "孩子刚出生，怎么给新生儿办理居民医疗保险？",
    time: "2019年8月2日 14:00",
    category: "卫生计生",
  },
];

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
/** A fresh database file for each test: the same real SQLite the server uses. */
function fresh() {
  const dbPath = join(tmp.dir, `import-${++n}.db`);
  const config = parseConfig({ SHOUWANG_DB: dbPath });
  return {
    dbPath,
    run: (args: string[], options?: { stderrIsTTY?: boolean }) => runCommand(config, args, "", options),
  };
}
function write(name: string, content: string | Buffer): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, content);
  return path;
}
const jsonl = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;

async function query<T>(dbPath: string, sql: string, params: (string | number)[] = []): Promise<T[]> {
  const db = await openDatabase(dbPath);
  try {
    return await db.all<T>(sql, params);
  } finally {
    await db.close();
  }
}

interface Stored {
  source_id: string;
  title: string | null;
  text: string;
  received_at: string;
  likes: number;
  reply: string | null;
  place: string | null;
  league: string | null;
  county: string | null;
  place_inferred: number;
  category: string | null;
  category_label: string | null;
  family: string | null;
  category_inferred: number;
  line: number;
}

describe("shouwang complaints import", () => {
  it("imports JSON Lines with mixed time formats as China time, once, however often it is run", async () => {
    const { dbPath, run } = fresh();
    const file = write("orders.jsonl", jsonl(ORDERS));
    const first = await run(["complaints", "import", file]);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(first.out).toContain("3 of 3 rows imported, 0 already imported, 0 rejected");

    const rows = await query<Stored>(dbPath, "SELECT * FROM complaint_history ORDER BY source_id");
    expect(rows.map((r) => [r.source_id, r.received_at])).toEqual([
      ["A-1", "2019-01-11T01:32:09.000Z"],
      ["A-2", "2019-07-21T02:05:00.000Z"],
      ["A-3", "2019-08-02T06:00:00.000Z"],
    ]);
    expect(rows[0]?.likes).toBe(12);
    expect(rows[0]?.reply).toContain("劳动监察");

    const again = await run(["complaints", "import", file]);
    expect(again.code).toBe(0);
    expect(again.out).toContain("0 of 3 rows imported, 3 already imported");
    expect(await query(dbPath, "SELECT source_id FROM complaint_history")).toHaveLength(3);
  });

  it("keeps two sources' ids apart with --source", async () => {
    const { dbPath, run } = fresh();
    const file = write("sources.jsonl", jsonl(ORDERS));
    await run(["complaints", "import", file]);
    const other = await run(["complaints", "import", file, "--source", "hotline-2018"]);
    expect(other.out).toContain("3 of 3 rows imported, 0 already imported");
    const rows = await query<{ source: string; source_id: string }>(
      dbPath,
      "SELECT source, source_id FROM complaint_history ORDER BY source, source_id",
    );
    expect(rows.map((r) => `${r.source}/${r.source_id}`)).toEqual([
      "/A-1",
      "/A-2",
      "/A-3",
      "hotline-2018/A-1",
      "hotline-2018/A-2",
      "hotline-2018/A-3",
    ]);
  });

  it("infers a missing place and category with the live gazetteer and model, and says which were inferred", async () => {
    const { dbPath, run } = fresh();
    await run(["complaints", "import", write("infer.jsonl", jsonl(ORDERS))]);
    const rows = new Map(
      (await query<Stored>(dbPath, "SELECT * FROM complaint_history")).map((r) => [r.source_id, r]),
    );
    const a1 = rows.get("A-1");
    // No place column: the gazetteer finds 达拉特旗 in the text, as the live intake would.
    expect(a1).toMatchObject({
      place: "达拉特旗",
      league: "鄂尔多斯市",
      county: "达拉特旗",
      place_inferred: 1,
    });
    // No category: the live model's first choice, marked as inferred.
    const bundle = sharedNlu();
    const live = bundle
      .complaintClassifier(loadComplaintCategories())
      .infer(bundle.normalise(`${ORDERS[0]?.title}。${ORDERS[0]?.text}`).text)[0];
    expect(a1).toMatchObject({ category: live?.category.id, category_inferred: 1 });
    expect(a1?.category).toBe("wage-arrears");
    expect(a1?.family).toBe("劳动和社会保障");
    // Given place and category are kept as given, resolved against the gazetteer and catalogue.
    expect(rows.get("A-2")).toMatchObject({
      place: "赤峰市松山区",
      county: "松山区",
      place_inferred: 0,
      category: "urban-management",
      category_inferred: 0,
    });
    // A 12345 family name is a category label the catalogue does not hold: kept, with its family.
    expect(rows.get("A-3")).toMatchObject({ category: null, category_label: "卫生计生", family: "卫生计生" });
  });

  it("masks ID and phone numbers before storing", async () => {
    const { dbPath, run } = fresh();
    await run([
      "complaints",
      "import",
      write(
        "personal.jsonl",
        jsonl([
          { id: "P-1", text: "我的身份证号110105199003071234，电话13812345678，请回电", time: "2020-01-02" },
        ]),
      ),
    ]);
    const [row] = await query<Stored>(dbPath, "SELECT text FROM complaint_history");
    expect(row?.text).not.toContain("110105199003071234");
    expect(row?.text).not.toContain("13812345678");
    expect(row?.text).toContain("138******78");
  });

  it("reports bad rows by file, line and column and imports the rest", async () => {
    const { dbPath, run } = fresh();
    const file = write(
      "mixed.jsonl",
      [
        JSON.stringify(ORDERS[0]),
        JSON.stringify({ id: "B-2", text: "路灯坏了", time: "21/07/2019" }),
        "{not json",
        "",
        JSON.stringify({ id: "B-5", text: "", time: "2019-07-21 10:05:00" }),
        JSON.stringify({ id: "A-1", text: "同一个编号又出现", time: "2019-07-21 10:05:00" }),
        JSON.stringify({ id: "B-7", text: "点赞数不对", time: "2019-07-21 10:05:00", likes: -3 }),
        JSON.stringify({ id: "B-8", text: "这一行没问题", time: "2019-02-28 23:59:59" }),
      ].join("\n"),
    );
    const r = await run(["complaints", "import", file]);
    expect(r.code).toBe(1);
    const errLines = r.err.trim().split("\n");
    expect(errLines).toEqual([
      `${file}:2: column "time": unknown date format "21/07/2019"`,
      expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3: not valid JSON`)),
      `${file}:5: column "text": empty`,
      `${file}:6: column "id": "A-1" appears again (first on line 1)`,
      `${file}:7: column "likes": not a whole number of likes: "-3"`,
    ]);
    expect(r.out).toContain("2 of 7 rows imported, 0 already imported, 5 rejected");
    const ids = (
      await query<Stored>(dbPath, "SELECT source_id FROM complaint_history ORDER BY source_id")
    ).map((x) => x.source_id);
    expect(ids).toEqual(["A-1", "B-8"]);
  });

  it("reads CSV with Chinese headers, quoted line breaks and GB18030, keeping each record's first line", async () => {
    const { dbPath, run } = fresh();
    const csv = [
      "留言编号,留言主题,留言时间,留言详情,点赞数",
      'C-1,幸福路路灯不亮,2019/3/1 20:15:00,"幸福路的路灯，晚上全黑，',
      '老人小孩走路很危险",4',
      "C-2,垃圾站,2019-13-01 08:00,垃圾站臭,0",
      'C-3,"噪音, 施工","2019-03-02 23:30","工地晚上施工，吵得睡不着",1',
    ].join("\r\n");
    const file = join(tmp.dir, "orders.csv");
    writeFileSync(file, Buffer.from(new TextEncoder().encode(csv)));
    const utf8 = await run(["complaints", "import", file]);
    expect(utf8.err).toBe(`${file}:4: column "留言时间": not a real date or time "2019-13-01 08:00"\n`);
    expect(utf8.out).toContain("2 of 3 rows imported");
    const rows = await query<Stored>(dbPath, "SELECT * FROM complaint_history ORDER BY source_id");
    expect(rows.map((x) => [x.source_id, x.line, x.likes])).toEqual([
      ["C-1", 2, 4],
      ["C-3", 5, 1],
    ]);
    expect(rows[0]?.text).toContain("老人小孩走路很危险");
    expect(rows[1]?.title).toBe("噪音, 施工");

    // The same file saved by Excel in China: GB18030.
    const gb = fresh();
    const gbFile = write("orders-gbk.csv", gb18030(csv));
    const r = await gb.run(["complaints", "import", gbFile]);
    expect(r.out).toContain("2 of 3 rows imported");
    const [c1] = await query<Stored>(gb.dbPath, "SELECT * FROM complaint_history WHERE source_id = 'C-1'");
    expect(c1?.title).toBe("幸福路路灯不亮");
  });

  it("reads an Excel workbook, date cells as China time", async () => {
    const { dbPath, run } = fresh();
    const file = write(
      "orders.xlsx",
      xlsxWorkbook([
        ["id", "title", "time", "text", "likes"],
        ["X-1", "桥下积水", { date: excelSerial(2019, 1, 11, 9, 32, 9) }, "下雨桥下积水过不去", 3],
        [17, null, "2019-07-21 10:05:00", "公交站没有顶棚", null],
      ]),
    );
    const r = await run(["complaints", "import", file]);
    expect(r.err).toBe("");
    expect(r.out).toContain("2 of 2 rows imported");
    const rows = await query<Stored>(dbPath, "SELECT * FROM complaint_history ORDER BY source_id");
    expect(rows.map((x) => [x.source_id, x.received_at, x.likes, x.line])).toEqual([
      ["17", "2019-07-21T02:05:00.000Z", 0, 3],
      ["X-1", "2019-01-11T01:32:09.000Z", 3, 2],
    ]);
  });

  it("refuses an unreadable file or a missing column with a clear message and changes nothing", async () => {
    const { dbPath, run } = fresh();
    const missing = await run(["complaints", "import", join(tmp.dir, "nope.jsonl")]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("nope.jsonl: no such file");
    expect(existsSync(dbPath)).toBe(false);

    const noTime = write("no-time.csv", "id,text,date_of_birth\n1,路灯坏了,1990-01-01\n");
    const refused = await run(["complaints", "import", noTime]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(
      'no "time" column (required: id, text, time; found: id, text, date_of_birth)',
    );
    expect(existsSync(dbPath)).toBe(false);

    // A database already holding work orders is left as it was.
    await run(["complaints", "import", write("ok.jsonl", jsonl(ORDERS))]);
    const binary = write("binary.jsonl", Buffer.from([0x7b, 0x00, 0x01, 0x02]));
    const bad = await run(["complaints", "import", binary]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("not a text file");
    const jsonlNoId = write("no-id.jsonl", jsonl([{ text: "路灯坏了", time: "2019-01-01" }]));
    const noId = await run(["complaints", "import", jsonlNoId]);
    expect(noId.code).toBe(2);
    expect(noId.err).toContain('no "id" column');
    expect(await query(dbPath, "SELECT source_id FROM complaint_history")).toHaveLength(3);
  });

  it("never puts imported work orders into the departments' queues or statistics", async () => {
    const { dbPath, run } = fresh();
    await run(["complaints", "import", write("queues.jsonl", jsonl(ORDERS))]);
    expect(await query(dbPath, "SELECT id FROM complaints")).toEqual([]);
    const stats = await run(["complaints", "stats", "--json"]);
    const s = JSON.parse(stats.out);
    expect(s).toMatchObject({ messages: 3, imported: 3, live: 0 });
    expect(s.byFamily).toContainEqual({ family: "劳动和社会保障", count: 1, inferred: 1 });
  });

  it("draws a progress bar only when stderr is a terminal", async () => {
    const file = write("progress.jsonl", jsonl(ORDERS));
    const tty = await fresh().run(["complaints", "import", file], { stderrIsTTY: true });
    expect(tty.err).toMatch(/\rimporting \[#+\] 100% 3\/3/);
    expect(tty.err.endsWith("\r\x1b[K")).toBe(true);
    const piped = await fresh().run(["complaints", "import", file]);
    expect(piped.err).toBe("");
  });
});

/** GB18030 bytes of a text, via the inverse of Node's decoder (Node has no GB18030 encoder). */
function gb18030(text: string): Buffer {
  const decoder = new TextDecoder("gb18030");
  const table = new Map<string, number[]>();
  for (let hi = 0x81; hi <= 0xfe; hi++)
    for (let lo = 0x40; lo <= 0xfe; lo++) {
      if (lo === 0x7f) continue;
      const ch = decoder.decode(new Uint8Array([hi, lo]));
      if (ch.length === 1 && !table.has(ch)) table.set(ch, [hi, lo]);
    }
  const bytes: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x80) bytes.push(code);
    else {
      const b = table.get(ch);
      if (!b) throw new Error(`no GB18030 two-byte code for ${ch}`);
      bytes.push(...b);
    }
  }
  return Buffer.from(bytes);
}
