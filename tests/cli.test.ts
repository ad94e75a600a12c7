import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Config, parseConfig } from "../bot/config.js";
import { runCommand, tempDir } from "./helpers.js";
import { forEachStore, storeEnv } from "./stores.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let config: Config;

const run = (args: string[], input = "") => runCommand(config, args, input);

forEachStore((store) => {
  beforeAll(async () => {
    // The CLI opens what the environment names: a SQLite file, or PostgreSQL through SHOUWANG_DATABASE_URL.
    config = parseConfig(storeEnv(await store.fresh()));
  });

  describe("shouwang CLI", () => {
    it("ask: one cited answer, then exit 0", async () => {
      const r = await run(["ask", "申请劳动仲裁需要什么材料"]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/【法律依据】\n《[^》]+》第/);
    });

    it("chat: a conversation in the terminal, crisis first", async () => {
      const r = await run(["chat"], "你好\n我不想活了\n退出\n");
      expect(r.code).toBe(0);
      expect(r.out).toContain("12356");
    });

    it("classify: one line out per line in, other fields kept, a bad line named and the rest processed", async () => {
      const lines = [
        JSON.stringify({ id: 1, text: "老板拖欠工资三个月不给怎么办" }),
        "{not json",
        JSON.stringify({ id: 3, text: "药已经吃下去了" }),
        JSON.stringify({ id: 4 }),
        JSON.stringify({ id: 5, text: "今天天气真好" }),
      ];
      const r = await run(["classify"], `${lines.join("\n")}\n`);
      const out = r.out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(out).toHaveLength(5);
      expect(out[0]).toMatchObject({ id: 1, intent: "wage_arrears", risk: "none" });
      expect(out[0].answerId).toBeDefined();
      expect(out[0].confidence).toBeGreaterThan(0);
      expect(out[0].confidence).toBeLessThanOrEqual(1);
      expect(out[1]).toMatchObject({ line: 2 });
      expect(r.err).toContain("line 2:");
      expect(out[2]).toMatchObject({ id: 3, risk: "imminent" });
      expect(out[2].answerId).toBeUndefined();
      expect(r.err).toContain("line 4:");
      expect(out[4].answerId).toBeUndefined();
      expect(r.code).toBe(1);
    });

    it("classify: says crisis whatever the FAQ guess, names the kind of risk, and reads a letter as a 诉求", async () => {
      const lines = [
        { text: "我不想活了" },
        { text: "我要拿刀去砍死那个欠我钱的包工头" },
        {
          text: "尊敬的领导您好，我们呼和浩特市赛罕区一个小区门口的路灯坏了三个月了，晚上老人孩子出门很危险，希望有关部门尽快修好。",
        },
        { text: "拖欠工资找谁" },
      ];
      const r = await run(["classify"], `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
      const out = r.out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(out[0]).toMatchObject({ intent: "crisis", risk: "high", riskKind: "self" });
      // Crisis first: no referral card or answer is even looked up for a person at risk.
      expect(out[0].referral).toBeUndefined();
      expect(out[0].answerId).toBeUndefined();
      expect(out[1]).toMatchObject({ intent: "crisis", riskKind: "others" });
      expect(out[2].complaint).toMatchObject({
        place: "呼和浩特市赛罕区",
        category: "城市管理与市政设施",
        family: "城乡建设",
      });
      expect(out[2].intent).not.toBe("crisis");
      expect(out[3].complaint).toBeUndefined();
    });

    it("classify: tens of thousands of lines in one process", async () => {
      const texts = ["征地补偿标准怎么定", "你好", "被骗了怎么办", "最近压力好大睡不着", "我要投诉"];
      const n = 20_000;
      const input = Array.from({ length: n }, (_, i) =>
        JSON.stringify({ i, text: texts[i % texts.length] }),
      ).join("\n");
      const r = await run(["classify"], input);
      expect(r.code).toBe(0);
      const out = r.out.trim().split("\n");
      expect(out).toHaveLength(n);
      expect(JSON.parse(out[n - 1] ?? "{}")).toMatchObject({ i: n - 1 });
    });

    it("kb check: reports the knowledge base and exits 0 when it is clean", async () => {
      const r = await run(["kb", "check"]);
      expect(r.out).toMatch(
        /\d+ entries in \d+ topics; 0 invalid, 0 duplicate phrasings, 0 unreachable entries/,
      );
      expect(r.code).toBe(0);
    });

    it("law: prints an article by short title and number, refuses repealed laws and articles that do not exist", async () => {
      const article = await run(["law", "民法典", "1079"]);
      expect(article.code).toBe(0);
      expect(article.out).toContain("中华人民共和国民法典");
      expect(article.out).toContain("第一千零七十九条");
      expect(article.out).toContain("因感情不和分居满二年");
      const repealed = await run(["law", "婚姻法", "32"]);
      expect(repealed.code).toBe(1);
      expect(repealed.err).toContain("已废止");
      const missing = await run(["law", "劳动合同法", "第九百条"]);
      expect(missing.code).toBe(1);
    });

    it("law search: the articles that match a citizen's words, 孩子 read as the statute's 子女", async () => {
      const r = await run(["law", "search", "离婚 孩子 抚养", "--top", "3"]);
      expect(r.code).toBe(0);
      const lines = r.out.split("\n").filter((l) => /^\d\. /.test(l));
      expect(lines).toHaveLength(3);
      expect(r.out).toMatch(/子女/);
      expect(lines.every((l) => /民法典|婚姻家庭编/.test(l))).toBe(true);
    });

    it("kb check --json: a repealed law or an article that does not exist fails the check, with the entry named", async () => {
      const dir = join(tmp.dir, "kb-bad");
      mkdirSync(dir, { recursive: true });
      const entry = (id: string, law: string, article: string) => ({
        id,
        topic: "marriage_family",
        questions: [`${id} 的第一种问法`, `${id} 的第二种问法`, `${id} 的第三种问法`],
        answer: "这是一条用于检查引用的测试条目，内容足够长以通过格式校验。这是一条用于检查引用的测试条目。",
        citations: [{ law, article }],
        contact: [{ name: "12348 公共法律服务热线", phone: "12348" }],
        region: "national",
        reviewed: "2026-12-06",
      });
      writeFileSync(
        join(dir, "bad.yaml"),
        JSON.stringify([
          entry("good-one", "中华人民共和国民法典", "第一千零七十九条"),
          entry("old-law", "中华人民共和国婚姻法", "第三十二条"),
          entry("no-such-article", "中华人民共和国劳动合同法", "第九百条"),
        ]),
      );
      const r = await runCommand({ ...config, SHOUWANG_KNOWLEDGE_DIR: dir }, ["kb", "check", "--json"]);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.out);
      expect(report).toMatchObject({ entries: 3, citations: 3, verified: 1 });
      expect(report.repealed.map((p: { entry: string }) => p.entry)).toEqual(["old-law"]);
      expect(report.unverified.map((p: { entry: string }) => p.entry)).toEqual(["no-such-article"]);
    });

    it("staff add: a clerk's department must be in the dispatch catalogue; a near miss gets suggestions", async () => {
      const wrong = await run(
        ["staff", "add", "li", "--role", "department", "--department", "准格尔旗人社局"],
        "long-enough-pw\n",
      );
      expect(wrong.code).toBe(2);
      expect(wrong.err).toContain("准格尔旗人力资源和社会保障局");
      const missing = await run(["staff", "add", "li", "--role", "department"], "long-enough-pw\n");
      expect(missing.code).toBe(2);
      const ok = await run(
        ["staff", "add", "li", "--role", "department", "--department", "准格尔旗人力资源和社会保障局"],
        "long-enough-pw\n",
      );
      expect(ok.code).toBe(0);
      const help = await run(["help"]);
      expect(help.out).toContain("--department");
    });

    it("staff add: creates an account from a password on stdin, refuses a short one", async () => {
      expect(
        (
          await run(
            ["staff", "add", "wang", "--role", "counselor", "--shift", "mon-fri 08:00-20:00"],
            "a-long-password\n",
          )
        ).code,
      ).toBe(0);
      const short = await run(["staff", "add", "li", "--role", "counselor"], "short\n");
      expect(short.code).toBe(1);
      expect(short.err).toContain("at least 10");
    });

    it("unknown commands print the usage and exit 2", async () => {
      const r = await run(["frobnicate"]);
      expect(r.code).toBe(2);
      expect(r.err).toContain("shouwang ask");
    });
  });
});
