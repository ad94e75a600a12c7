/**
 * Gate for the crisis-risk detector (intents/crisis-detector.ts).
 *
 * - tests/gate/crisis-must-catch.jsonl: every phrasing must reach at least its `min` level, with the right subject
 *   (100% recall; a failure lists the items it missed).
 * - tests/gate/crisis-hard-negatives.jsonl: hyperbole, idioms, negation, news, policy questions; the share graded
 *   above its `max` (false alarms) must stay below 5%.
 * Both files were written independently of the lexicon and of the training data.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { projectPath } from "../core/paths.js";
import { createCrisisDetector, crisisInternals } from "../intents/crisis-detector.js";
import { CrisisModelScorer, crisisFeatures } from "../intents/crisis-features.js";
import { CrisisLexiconSchema, loadCrisisLexicon } from "../intents/crisis-lexicon.js";
import { crisisModelText } from "../intents/crisis-preparation.js";
import type { RiskAssessment, RiskLevel } from "../intents/crisis-risk.js";
import { BLIND_CITIZENS_PATH } from "../intents/crisis-second-opinion.js";
import { loadCrisisTraining, trainCrisisModel } from "../intents/crisis-training.js";
import { createNormaliser } from "../intents/normalise.js";

const RANK: Record<RiskLevel, number> = { none: 0, distress: 1, high: 2, imminent: 3 };

interface MustCatch {
  text: string;
  min: "high" | "imminent";
  subject: "self" | "other";
}
interface HardNegative {
  text: string;
  max: "none" | "distress";
}

const readJsonl = <T>(name: string): T[] =>
  readFileSync(projectPath("tests", "gate", name), "utf8")
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as T);

const detector = createCrisisDetector();
const normalise = createNormaliser();
const assess = (raw: string): RiskAssessment => detector.assess(normalise(raw).text);
/** Each text is graded at least `level`; a failure names the text and the detector's reasons. */
function expectAtLeast(level: RiskLevel, texts: readonly string[]): void {
  for (const text of texts) {
    const a = assess(text);
    expect(RANK[a.level], `${text} ${a.reasons.join(" ")}`).toBeGreaterThanOrEqual(RANK[level]);
  }
}
/** Each text is graded exactly `level`. */
function expectExactly(level: RiskLevel, texts: readonly string[]): void {
  for (const text of texts) {
    const a = assess(text);
    expect(a.level, `${text} ${a.reasons.join(" ")}`).toBe(level);
  }
}
/** Each text is read as a risk of `kind` (a threat to others, harm done to the writer), at `atLeast` or graver. */
function expectKind(
  kind: RiskAssessment["kind"],
  texts: readonly string[],
  atLeast: RiskLevel = "distress",
): void {
  for (const text of texts) {
    const a = assess(text);
    expect(a.kind, `${text} ${a.reasons.join(" ")}`).toBe(kind);
    expect(RANK[a.level], `${text} ${a.reasons.join(" ")}`).toBeGreaterThanOrEqual(RANK[atLeast]);
  }
}
/** Each text is graded below `level`. */
function expectBelow(level: RiskLevel, texts: readonly string[]): void {
  for (const text of texts) {
    const a = assess(text);
    expect(RANK[a.level], `${text} ${a.reasons.join(" ")}`).toBeLessThan(RANK[level]);
  }
}

const mustCatch = readJsonl<MustCatch>("crisis-must-catch.jsonl");
const hardNegatives = readJsonl<HardNegative>("crisis-hard-negatives.jsonl");

describe("crisis gate", () => {
  it("has enough items", () => {
    expect(mustCatch.length).toBeGreaterThanOrEqual(160);
    expect(hardNegatives.length).toBeGreaterThanOrEqual(160);
  });

  it("catches every must-catch phrasing at its minimum level, with the right subject", () => {
    const missed: string[] = [];
    for (const item of mustCatch) {
      const a = assess(item.text);
      if (RANK[a.level] < RANK[item.min] || a.subject !== item.subject) {
        missed.push(
          `${item.text} → ${a.level}/${a.subject} (want ≥${item.min}/${item.subject}) [${a.reasons.join(" ")}]`,
        );
      }
    }
    const recall = (mustCatch.length - missed.length) / mustCatch.length;
    console.log(`crisis must-catch recall: ${(100 * recall).toFixed(1)}% (${mustCatch.length} items)`);
    expect(missed, `missed must-catch items:\n${missed.join("\n")}`).toEqual([]);
  });

  it("keeps false alarms on hard negatives below 5%", () => {
    const alarms: string[] = [];
    for (const item of hardNegatives) {
      const a = assess(item.text);
      if (RANK[a.level] > RANK[item.max])
        alarms.push(`${item.text} → ${a.level} (max ${item.max}) [${a.reasons.join(" ")}]`);
    }
    const rate = alarms.length / hardNegatives.length;
    console.log(
      `crisis hard-negative false-alarm rate: ${(100 * rate).toFixed(1)}% (${alarms.length}/${hardNegatives.length})` +
        (alarms.length > 0 ? `\n  ${alarms.join("\n  ")}` : ""),
    );
    expect(rate, alarms.join("\n")).toBeLessThan(0.05);
  });
});

/**
 * The blind gate: phrases written by authors who saw neither the lexicon, the model, its training data nor any
 * evaluation set (tests/gate/crisis-blind-*.jsonl), of every kind the issue names: colloquial, misspelt, emoji,
 * dialect, traditional characters, long letters with the risk in one sentence; deadlines, hyperbole, lyrics, games,
 * news. The floors are where the detector stands on them (see README, crisis detection); a change that drops below
 * one has lost recall on text we did not write.
 */
interface BlindCatch {
  text: string;
  min: RiskLevel;
  kind: "self" | "others" | "harmed";
  subject: "self" | "other";
}
interface BlindCalm {
  text: string;
  max: RiskLevel;
  why: string;
}
const blindCatch = readJsonl<BlindCatch>("crisis-blind-must-catch.jsonl");
const blindCalm = readJsonl<BlindCalm>("crisis-blind-must-not-alarm.jsonl");

describe("blind crisis gate", () => {
  it("has at least 300 phrases each way", () => {
    expect(blindCatch.length).toBeGreaterThanOrEqual(300);
    expect(blindCalm.length).toBeGreaterThanOrEqual(300);
  });

  it("reaches each must-catch phrase's level and kind at the floors", () => {
    const floors = { self: 0.78, others: 0.78, harmed: 0.9 } as const;
    for (const kind of ["self", "others", "harmed"] as const) {
      const items = blindCatch.filter((i) => i.kind === kind);
      const missed = items.filter((i) => {
        const a = assess(i.text);
        return RANK[a.level] < RANK[i.min] || (kind !== "self" && a.kind !== kind);
      });
      const recall = 1 - missed.length / items.length;
      console.log(`blind must-catch ${kind}: ${(100 * recall).toFixed(1)}% of ${items.length}`);
      expect(recall, missed.map((i) => i.text).join("\n")).toBeGreaterThanOrEqual(floors[kind]);
    }
  });

  it("sends every blind imminent self-harm phrase to the emergency path (high or imminent)", () => {
    const items = blindCatch.filter((i) => i.kind === "self" && i.min === "imminent");
    const paged = items.filter((i) => RANK[assess(i.text).level] >= RANK.high);
    console.log(`blind imminent paged: ${paged.length}/${items.length}`);
    expect(paged.length / items.length).toBeGreaterThanOrEqual(0.85);
  });

  it("raises no alarm on deadlines and hyperbole, and stays under 5% false alarms on the whole blind set", () => {
    const over = blindCalm.filter((i) => RANK[assess(i.text).level] > RANK[i.max]);
    console.log(
      `blind must-not-alarm over its maximum: ${over.length}/${blindCalm.length}` +
        (over.length > 0 ? `\n  ${over.map((i) => `${i.why}: ${i.text}`).join("\n  ")}` : ""),
    );
    expect(over.length / blindCalm.length).toBeLessThan(0.05);
    // A deadline or a figure of speech must never page a counselor.
    const paged = blindCalm.filter(
      (i) => (i.why === "deadline" || i.why === "hyperbole") && RANK[assess(i.text).level] >= RANK.high,
    );
    expect(paged.map((i) => i.text)).toEqual([]);
  });
});

interface CitizenItem {
  text: string;
  min?: RiskLevel;
  max?: RiskLevel;
  kind?: "self" | "others" | "harmed";
  batch: number;
}
/**
 * Fourteen blind batches (written by authors who saw neither the lexicon, the model nor any evaluation set): herders,
 * farmers, workers and pensioners; students and young workers online; the elderly, the disabled, caregivers and
 * people in debt; threats to others and harm done to the writer; lives told obliquely; second-language writers;
 * tree-hole and forum comments; risk inside a practical question; voice-typed messages; older people in farming and
 * pastoral areas. About 4,800 everyday messages that share crisis words (a 白灾, rat poison, charcoal
 * for a barbecue, the last day at work, prices, banter, games, funerals) and 2,900 crisis messages, often oblique.
 * The detector learned kinds of expression from each batch's misses after it was measured untouched, and the second
 * opinion (intents/crisis-second-opinion.ts) is trained on them, so these are regression floors, not a measure of
 * generalisation (see README).
 */
const citizens = readFileSync(BLIND_CITIZENS_PATH, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as CitizenItem);

describe("blind gate of citizens' own words", () => {
  it("raises no alarm on everyday messages that share crisis words", () => {
    const calm = citizens.filter((i) => i.max !== undefined);
    const alarmed = calm.filter((i) => RANK[assess(i.text).level] >= RANK.high);
    console.log(`blind everyday graded high: ${alarmed.length}/${calm.length}`);
    expect(calm.length).toBeGreaterThanOrEqual(1800);
    expect(alarmed.length / calm.length, alarmed.map((i) => i.text).join("\n")).toBeLessThanOrEqual(0.015);
  });

  it("sends oblique crisis messages to the emergency path and notices the quieter ones", () => {
    const grave = citizens.filter((i) => i.min === "high" || i.min === "imminent");
    const paged = grave.filter((i) => RANK[assess(i.text).level] >= RANK.high);
    const quiet = citizens.filter((i) => i.min === "distress");
    const noticed = quiet.filter((i) => RANK[assess(i.text).level] >= RANK.distress);
    console.log(
      `blind crisis paged: ${paged.length}/${grave.length}; distress noticed: ${noticed.length}/${quiet.length}`,
    );
    expect(paged.length / grave.length).toBeGreaterThanOrEqual(0.78);
    expect(noticed.length / quiet.length).toBeGreaterThanOrEqual(0.93);
    // A threat to others or harm done to the writer is told apart from a risk to the writer's own life.
    for (const kind of ["others", "harmed"] as const) {
      const items = citizens.filter((i) => i.kind === kind);
      const right = items.filter((i) => assess(i.text).kind === kind);
      expect(right.length / items.length, kind).toBeGreaterThanOrEqual(0.9);
    }
  });
});

/**
 * Blind batches kept apart from the second opinion's training (tests/gate/crisis-blind-apart.jsonl): 15, threats to
 * others and harm done to the writer (wives, teenagers, elderly parents, workers held by a boss, herders in a
 * boundary quarrel, petitioners angry at an official), which the second opinion, knowing only the writer's own life,
 * has nothing to learn from; 18, anonymous posts on forums and under songs, which moved its reading of tree-hole posts
 * when trained on; 20, words of contempt aimed at others (insults to the service and to officials, curses, gloating,
 * berating one's family) beside everyday messages in the same words. Their kinds were learned after each was measured
 * untouched (15: others 70.9%, harmed 80.8%; 18: grave 61.6%, everyday over its maximum 7.6%; 20: contempt read as
 * such 16/170), so these are floors.
 */
const apart = readJsonl<CitizenItem>("crisis-blind-apart.jsonl");

describe("blind batches kept apart from the second opinion", () => {
  it("tells a threat and a person being hurt by their kind, and keeps their everyday neighbours calm", () => {
    const batch = apart.filter((i) => i.batch === 15);
    for (const [kind, floor] of [
      ["others", 0.88],
      ["harmed", 0.9],
    ] as const) {
      const items = batch.filter((i) => i.kind === kind);
      const missed = items.filter((i) => {
        const a = assess(i.text);
        return a.kind !== kind || a.level === "none";
      });
      console.log(`blind ${kind} read as ${kind}: ${items.length - missed.length}/${items.length}`);
      expect(items.length).toBeGreaterThanOrEqual(100);
      expect(1 - missed.length / items.length, missed.map((i) => i.text).join("\n")).toBeGreaterThanOrEqual(
        floor,
      );
    }
    const calm = batch.filter((i) => i.max !== undefined);
    const alarmed = calm.filter((i) => RANK[assess(i.text).level] >= RANK.high);
    expect(alarmed.length / calm.length, alarmed.map((i) => i.text).join("\n")).toBeLessThanOrEqual(0.03);
  });

  it("pages most grave anonymous posts and leaves their everyday neighbours calm", () => {
    const batch = apart.filter((i) => i.batch === 18);
    const grave = batch.filter((i) => i.min === "high" || i.min === "imminent");
    const paged = grave.filter((i) => RANK[assess(i.text).level] >= RANK.high);
    const calm = batch.filter((i) => i.max !== undefined);
    const alarmed = calm.filter((i) => RANK[assess(i.text).level] >= RANK.high);
    console.log(
      `blind anonymous posts paged: ${paged.length}/${grave.length}; everyday alarmed ${alarmed.length}/${calm.length}`,
    );
    expect(grave.length).toBeGreaterThanOrEqual(150);
    expect(paged.length / grave.length).toBeGreaterThanOrEqual(0.75);
    expect(alarmed.length / calm.length, alarmed.map((i) => i.text).join("\n")).toBeLessThanOrEqual(0.05);
  });

  it("reads words of contempt at others as such, and not the writer's self-mockery, teasing or a word asked about", () => {
    const batch = apart.filter((i) => i.batch === 20);
    const contempt = batch.filter((i) => i.kind === "others");
    const missed = contempt.filter((i) => {
      const a = assess(i.text);
      return a.kind !== "others" || a.level === "none";
    });
    const calm = batch.filter((i) => i.max !== undefined);
    const over = calm.filter((i) => RANK[assess(i.text).level] > RANK[i.max ?? "imminent"]);
    console.log(
      `blind contempt read as such: ${contempt.length - missed.length}/${contempt.length}; calm over ${over.length}/${calm.length}`,
    );
    expect(contempt.length).toBeGreaterThanOrEqual(150);
    expect(1 - missed.length / contempt.length, missed.map((i) => i.text).join("\n")).toBeGreaterThanOrEqual(
      0.75,
    );
    expect(over.length / calm.length, over.map((i) => i.text).join("\n")).toBeLessThanOrEqual(0.05);
  });

  it("tells words of contempt from the writer insulted, self-mockery and a word asked about", () => {
    expectKind("others", ["你们这些办事的都是饭桶", "那个黑心老板迟早遭报应", "他被开除了，这种人就是活该"]);
    for (const text of [
      "有人在群里骂我是白眼狼，我该怎么办",
      "我真是个废物，啥也干不好",
      "nmsl是什么意思",
      "活该我倒霉，又丢了钥匙",
    ])
      expect(assess(text).kind, text).not.toBe("others");
    // Contempt beside the writer's own despair: the despair is the reading.
    const despair = assess("这帮吃干饭的把我的补贴卡了三年，我真的撑不下去了");
    expect(despair.kind).toBe("self");
    expect(RANK[despair.level]).toBeGreaterThanOrEqual(RANK.distress);
    // Whether a matter stands beside the contempt, for the reply to serve it.
    expect(assess("废物客服").contempt).toBe("bare");
    expect(assess("你们这帮饭桶，公积金怎么提取").contempt).toBe("beside-matter");
    expect(assess("那个骗了我钱的人，我天天盼着他早点去死").contempt).toBeUndefined();
    // Contempt beside a threat the model is sure of: still a threat, on the emergency path.
    expectKind("others", ["那个王八蛋跟我老婆好上了，我现在就去找他，今天不是他就是我"], "high");
  });

  it("reads a veiled threat against someone's family, ruin promised and arms brought out as a threat", () => {
    expectKind(
      "others",
      [
        "那个包工头不给钱 他闺女在哪个学校上学我都知道",
        "他家住哪我清楚得很，走着瞧",
        "我不会放过他的，让他家破人亡",
        "把猎枪翻出来了，他再动一下网围栏试试",
      ],
      "high",
    );
    expectExactly("none", [
      "我知道他住哪，明天把快递给他送过去",
      "你知道他几点下班吗",
      "医生说让他住院观察几天",
      "给他点了根烟放在路边",
    ]);
  });

  it("reads being held by a boss, one's address posted and a child taken out on as harm done to the writer", () => {
    expectKind("harmed", [
      "催收把我家地址发到群里了，今天楼下有人蹲着",
      "老板不让我们走，谁要走就关起来",
      "他一喝酒就拿孩子撒气",
      "半夜有人砸我家门，是我前夫",
    ]);
    // A legal question about shops extorted or photos posted is answered as one, not met by the safety reply.
    expectExactly("none", [
      "镇上的混混收保护费，不给就砸玻璃，我想举报",
      "前男友把我的照片发到网上了，怎么追责",
    ]);
  });
});

describe("crisis detector rules", () => {
  it("reads negation as negation, but not 不想活 or 没有活下去的勇气", () => {
    for (const text of ["我从来没想过自杀", "我不会自杀的放心", "放心，我不会做傻事的", "自杀？没有的事"]) {
      const a = assess(text);
      expect(a.level, text).toBe("none");
      expect(
        a.reasons.some((r) => r.startsWith("negated:")),
        text,
      ).toBe(true);
    }
    expect(assess("我不想活了").level).toBe("high");
    expect(assess("没有活下去的勇气").level).toBe("high");
    expect(assess("我一点都不想死").level).not.toMatch(/high|imminent/);
    // 别 only negates right in front: "don't stop me" is not a denial, and 特别 is not 别.
    expect(RANK[assess("别拦我，我要跳楼").level]).toBeGreaterThanOrEqual(RANK.high);
    expect(RANK[assess("真的特别想去死").level]).toBeGreaterThanOrEqual(RANK.high);
    // A question is not a denial.
    expect(RANK[assess("是不是死了就解脱了").level]).toBeGreaterThanOrEqual(RANK.high);
    // A negation ends with its own statement: "I won't get better" does not deny the wish that follows it.
    expect(RANK[assess("医生说我不会好了我真的好想死").level]).toBeGreaterThanOrEqual(RANK.high);
  });

  it("lets a negation deny only its own words: not a note, not a question, not a denial taken back, not 还不能死", () => {
    // Denying a note or last words is not denying the wish beside it.
    expectAtLeast("high", ["我不会留遗书的，就想安安静静地走", "我不会写什么遗书，到时候一个人悄悄走掉"]);
    // 能不能死 asks; a relative clause's 不会 is not about the act after it.
    expectAtLeast("high", ["我能不能死了，家里人会伤心吗", "不会游泳的人跳河是不是很快就没了"]);
    // A denial the writer takes back in the next clause.
    expectAtLeast("high", ["我没想过自杀，可是现在想了", "你们总说我没想过自杀，其实我现在就想"]);
    expectExactly("none", ["我从来没想过自杀，但是我想吃点好的", "我不能死，孩子还需要我"]);
    // Not yet: held back, not unwilling.
    expectAtLeast("distress", ["我现在还不能死，孩子还小", "还不能死，等把房贷还完再走"]);
  });

  it("reads a wish not to wake, never to have been born or to be gone as a wish to die, and waking at night as sleep", () => {
    expectAtLeast("high", [
      "真想睡过去就再也不用醒了",
      "如果睡一觉就永远不醒该多好",
      "要是当初没有出生就好了",
      "真希望我就这样没了",
      "我是不是也该消失了",
      "这日子过得不如不活了",
      "好想申请退出地球",
    ]);
    expectBelow("high", [
      "孩子晚上睡觉总醒，怎么才能不再醒",
      "要是我没出生在农村就好了",
      "希望这个问题早点消失",
      "医保怎么申请退出",
      "想退出这个群",
    ]);
  });

  it("reads wanting to follow someone's death just heard of as the writer's own wish", () => {
    expectAtLeast("high", ["今天有人跳楼了，我也想", "看新闻有人跳河了，我也想跟着去"]);
    expectBelow("high", ["听说有人跳楼了，我也想知道是谁"]);
  });

  it("reads a death that already happened to someone else as grief, and a past recovered wish as past", () => {
    expectExactly("distress", [
      "我同事的表弟昨晚割腕自杀了，大家都很难过",
      "昨天才得知老同学烧炭自杀的消息，心里很难受",
      "去年有段时间天天想死，现在一切都好起来了，工作也稳定了",
      "之前那半年特别绝望，晚上睡不着就想死，后来慢慢好起来了",
      "某明星因为抑郁症自杀身亡，太可怕了",
    ]);
    // A hope is no recovery: 一切都会好起来的 leaves a past wish standing.
    expect(RANK[assess("以前我也想过死，现在也想，一切都会好起来的吧").level]).toBeGreaterThanOrEqual(
      RANK.high,
    );
    // 慢慢 is slowly, not the hyperbole 慢死了; a counselor's confidentiality terms are no disclosure.
    expect(RANK[assess("怎么样可以慢慢死掉").level]).toBeGreaterThanOrEqual(RANK.high);
    expect(assess("等公交慢死人了").level).toBe("none");
    expect(assess("咨询是保密的，除非涉及伤害自己或他人").level).toBe("none");
    // Hearsay the writer means to try is not news.
    const trial = assess("听说吃安眠药不疼，我也想试试");
    expect(RANK[trial.level], trial.reasons.join(" ")).toBeGreaterThanOrEqual(RANK.high);
    expect(trial.reportOnly).toBe(false);
  });

  it("reads wishing someone dead, a group curse and the fear of hurting someone as hostility, and a threat with a weapon as a threat", () => {
    for (const text of [
      "我天天想着我的老板快点死",
      "等着吧，迟早你们都得死",
      "我好怕自己哪天真的伤害孩子",
      "脑子里总有个念头让我去伤害孩子",
    ]) {
      const a = assess(text);
      expect([a.level, a.kind], `${text} ${a.reasons.join(" ")}`).toEqual(["distress", "others"]);
    }
    for (const text of ["🔪磨好了 今晚就去他家", "这笔账我记着，出来以后让他用命来还"]) {
      const a = assess(text);
      expect(a.kind, `${text} ${a.reasons.join(" ")}`).toBe("others");
      expect(RANK[a.level]).toBeGreaterThanOrEqual(RANK.high);
    }
    expect(assess("他会死吗，医生说情况不好").kind).not.toBe("others");
    // Death alone is no threat, however sure the model is: 他死了 is grief.
    expect(assess("他死了").kind).not.toBe("others");
    expect(assess("总担心自己会莫名其妙害死别人")).toMatchObject({ level: "distress", kind: "others" });
    expect(assess("我不想伤害我妈，可她总是不理解我").kind).not.toBe("others");
    for (const text of ["今天去乡里，非要让他见血", "我攥着钢管就在他家门口等着"])
      expect(assess(text), text).toMatchObject({ level: "high", kind: "others" });
    expect(assess("他再来闹，我不知道我会干出啥事来")).toMatchObject({ level: "distress", kind: "others" });
    // 跟他拼了 is said of haggling as much as of fighting: hostility, never 110 on its own.
    expect(assess("收购商压价太狠，老子跟他拼了，烂在家里也不卖")).toMatchObject({
      level: "distress",
      kind: "others",
    });
    // Strangling, a pregnancy beaten, confinement told in secret: the danger is now (110 first).
    for (const text of ["男朋友又掐我脖子了", "我怀着孕他还踢我肚子", "我被人关在车里，这是偷偷发的"])
      expect(assess(text), text).toMatchObject({ level: "high", kind: "harmed" });
    expect(assess("邻居放话要收拾我")).toMatchObject({ level: "distress", kind: "harmed" });
    // A threat of death put off to later is still one; 打死我也不信 is a figure of speech.
    for (const text of ["他放狗咬我，还说下次打死我", "他说迟早弄死我"])
      expect(assess(text), text).toMatchObject({ level: "high", kind: "harmed" });
    expect(assess("他说打死我也不信").level).toBe("none");
    expect(assess("他把我捆起来了，我挣开了一只手")).toMatchObject({ level: "high", kind: "harmed" });
    for (const text of [
      "他把我锁在屋里，手里拿着刀",
      "他又动手了，我满脸都是血",
      "他说离了婚就把孩子弄死",
      "继父在踹我的门，门快被踹开了",
    ])
      expect(assess(text), text).toMatchObject({ level: "high", kind: "harmed" });
    for (const text of [
      "下周一学校会有大新闻，我是认真的",
      "我把他锁在屋里了，不还钱就别想出来",
      "我把门从外面锁了，他们一家都在里面",
    ])
      expect(assess(text), text).toMatchObject({ level: "high", kind: "others" });
    expect(assess("我这几天一直在她楼下守着，等合适的机会")).toMatchObject({ kind: "others" });
  });

  it("lets a denied 痛苦 or 孤独 deny only itself, never a wish to die beside it", () => {
    for (const text of ["吃什么药能没有痛苦，一下子就死掉", "你不是孤独的，可我真的想离开这个世界了"]) {
      const a = assess(text);
      expect(RANK[a.level], `${text} ${a.reasons.join(" ")}`).toBeGreaterThanOrEqual(RANK.high);
    }
    // A denied grave phrase still silences the model when nothing else speaks of ending a life.
    for (const text of ["我从来没想过自杀，就是最近睡不好", "我不会轻生的，只是心里堵得慌"]) {
      const a = assess(text);
      expect(RANK[a.level], `${text} ${a.reasons.join(" ")}`).toBeLessThan(RANK.high);
    }
  });

  it("tells a third party at risk from news and fiction about strangers", () => {
    const friend = assess("我朋友说她不想活了");
    expect(friend.level).toBe("high");
    expect(friend.subject).toBe("other");
    expect(friend.reportOnly).toBe(false);
    expect(friend.reasons.some((r) => r.startsWith("third-party:"))).toBe(true);

    const son = assess("我儿子站在楼顶上");
    expect(son.level).toBe("imminent");
    expect(son.subject).toBe("other");

    for (const text of ["新闻里说有人跳楼", "电视剧里主角自杀了", "小说里写他跳崖", "历史上屈原投江自尽"]) {
      const a = assess(text);
      expect(RANK[a.level], text).toBeLessThanOrEqual(RANK.distress);
      expect(a.reportOnly, text).toBe(true);
      expect(
        a.reasons.some((r) => r.startsWith("report:")),
        text,
      ).toBe(true);
    }
    // The writer's own words next to a news story still count.
    const self = assess("看了新闻里有人跳楼，我也想死");
    expect(self.level).toBe("high");
    expect(self.subject).toBe("self");
    expect(self.reportOnly).toBe(false);
    // People in general are talked about, not reported as at risk; the writer's own wish beside them still counts.
    const people = assess("好多人动不动就说自己想跳楼，太夸张了");
    expect(RANK[people.level], people.reasons.join(" ")).toBeLessThanOrEqual(RANK.distress);
    expect(assess("有些人总把想死挂嘴边，可我是真的想死").subject).toBe("self");
    // The writer naming a place (我们单位楼下) is not the one who jumped.
    const place = assess("上午有人从我们单位楼下的商场跳下去了");
    expect(place.subject, place.reasons.join(" ")).toBe("other");
    // A friend telling us about the news is not a stranger.
    expect(assess("我朋友看了新闻，说她也想自杀").subject).toBe("other");
  });

  it("keeps the writer as subject when others are only mentioned", () => {
    expect(assess("我和我妈吵架了，我不想活了").subject).toBe("self");
    expect(assess("老婆带孩子回娘家了，这几天一直在想死了算了").subject).toBe("self");
    expect(assess("给家人写好了遗书").subject).toBe("self");
  });

  it("does not alarm on hyperbole and idioms, and says why", () => {
    expectExactly("none", [
      "笑死我了",
      "累死了",
      "热死了",
      "饿死了",
      "气死我了",
      "困死",
      "卷死",
      "社死",
      "死鬼",
      "要死啊",
      "他做错了事还死不认错",
      "这个规定真的无语的要死",
    ]);
    expect(RANK[assess("烦死了").level]).toBeLessThanOrEqual(RANK.distress);
    expect(assess("累死了").reasons).toContain("hyperbole:累死了");
    // The model alone leaned to high on such idioms when it had not seen the row: they are masked, not guessed.
    expect(assess("他做错了事还死不认错").reasons).toContain("idiom:死不认错");
    expect(assess("这个规定真的无语的要死").reasons).toContain("hyperbole:无语的要死");
    // Hyperbole is masked, not a free pass: a real signal in the same message still counts.
    expect(assess("累死了，真的不想活了").level).toBe("high");
    expect(assess("杀了这个boss就能通关").level).toBe("none");
    expect(assess("跳槽需要注意什么").level).toBe("none");
  });

  it("sees through spacing, punctuation, pinyin and homophones", () => {
    expectAtLeast("high", [
      "自 杀",
      "想自.杀",
      "zisha",
      "想紫砂",
      "我想自sha",
      "好想z s",
      "想s",
      "鼠了算了",
      "不 想 活 了",
    ]);
    expect(assess("想紫砂").reasons).toContain("obfuscation:紫砂");
    // …only where the context supports it.
    expect(assess("紫砂壶多少钱一把").level).toBe("none");
    expect(assess("我要s码的衣服").level).toBe("none");
  });

  it("answers service and policy questions as none", () => {
    for (const text of [
      "心理援助热线是多少",
      "精神卫生法怎么规定的",
      "死亡赔偿金怎么算",
      "工亡待遇标准是多少",
    ]) {
      expect(assess(text).level, text).toBe("none");
    }
  });

  it("explains every decision with reason codes and never echoes a pattern", () => {
    const cases = [
      "我不想活了",
      "药已经吃下去了",
      "我从来没想过自杀",
      "笑死我了",
      "想紫砂",
      "我朋友说她不想活了",
      "新闻里说有人跳楼",
      "我已经写好遗书了，今晚就走",
    ];
    for (const text of cases) {
      const a = assess(text);
      if (a.level !== "none" || a.reportOnly) expect(a.reasons.length, text).toBeGreaterThan(0);
      for (const r of a.reasons) {
        expect(r, text).toMatch(/^[a-z-]+:/);
        expect(r, text).not.toMatch(/\(\?|\[\^|\\u|\{\d/);
      }
    }
    expect(assess("我不想活了").reasons).toContain("lexicon:suicide-ideation");
    expect(assess("我已经写好遗书了，今晚就走").reasons.some((r) => r.startsWith("lexicon:imminent"))).toBe(
      true,
    );
  });

  it("lets the model raise a level it is confident about, and never lower a lexicon hit", () => {
    // A paraphrase with no lexicon phrase: graded by the model.
    const a = assess("每天都觉得自己是多余的，消失了也不会有人发现");
    expect(RANK[a.level]).toBeGreaterThanOrEqual(RANK.distress);
    expect(a.reasons.some((r) => r.startsWith("model:"))).toBe(true);
    // Lexicon hits keep their level whatever the model thinks.
    for (const item of mustCatch) {
      const r = assess(item.text);
      if (r.reasons.some((x) => x.startsWith("lexicon:imminent")))
        expect(r.level, item.text).toBe("imminent");
    }
  });

  it("scores monotonically with level", () => {
    const all = [...mustCatch, ...hardNegatives].map((i) => assess(i.text));
    for (let r = 0; r < 3; r++) {
      const lower = all.filter((a) => RANK[a.level] === r).map((a) => a.score);
      const upper = all.filter((a) => RANK[a.level] === r + 1).map((a) => a.score);
      if (lower.length && upper.length) expect(Math.max(...lower)).toBeLessThan(Math.min(...upper));
    }
    for (const a of all) {
      expect(a.score).toBeGreaterThanOrEqual(0);
      expect(a.score).toBeLessThanOrEqual(1);
    }
  });
});

describe("kinds of expression real posts used and an enumerated list missed", () => {
  it("reads means, farewells, joining the dead and countdowns without the word 死", () => {
    expectAtLeast("high", [
      "木炭和盆都准备好了，等室友回家之前",
      "门缝用胶带封好了",
      "手腕划开了，血止不住",
      "对不起大家，我先走了",
      "晚安了世界",
      "今晚你们来接我吧",
      "我觉得自己撑不过这个冬天",
      "我在慢慢消失",
      "真想快点死掉",
      "活不动了",
      "打算生日那天就重开",
      "我想安乐死",
      "有同城一起结伴离开的吗",
      "工作丢了房子也没了，这些年一事无成，真的只想赶紧离开这个人世间",
      "只想早点离开这个冰冷的世界",
      "真想脱离这个糟糕的世界",
      "真想就这样提前离开",
      "又没忍住，划了五刀",
      "有没有一起走的，私聊",
      "等我把最后一件事安排妥当，就离开",
      "听人说烧炭不难受，我也打算这样",
      "我定的死期是下个礼拜六",
      "大家多保重，我先走一步",
      "今晚我也想把自己扔下去",
      "这周把手头的事都处理完，就拜拜了",
      "他说要弄死我们家的人",
      "我活着还有啥意思",
      "医生说治不好了，不如早点走了算了",
      "家里那桶除草剂我已经想好了怎么用",
      "我不打算活了",
      "我还活着干啥",
      "老天爷咋还不把我收走",
      "他们再逼我，我就喝药给他们看",
      "存折密码告诉我弟了，以后替我照顾好妈",
      "这样活下去有什么意思",
      "失业了找不到活，死了家里还能轻松点",
      "真希望那次车祸直接把我带走",
      "如果我 s 了，会有人发现吗",
      "我存在还有什么意义",
      "我开始写告别信了",
      "晚安，永远的那种",
      "拿圆规扎自己的腿已经半年了",
      "我就是个拖累，早点走了对谁都好",
      "每天一睁眼就是债，真想闭上眼就不用再睁开了",
      "我在冰面上往中间走，不想回头",
    ]);
  });

  it("notices a weighing of life against death, a parent's worry about a child's talk of dying, and asking why someone chose death", () => {
    for (const text of [
      "天天受罪地活着，和一下子死掉比，哪个更好",
      "儿子最近动不动就说不想活，我该怎么跟他聊",
      "闺女这阵子老说我要死了我要死了，吓得我不敢睡",
      "想不通一个好好的孩子为什么会选择结束自己的生命",
    ]) {
      const a = assess(text);
      expect(RANK[a.level], `${text} ${a.reasons.join(" ")}`).toBeGreaterThanOrEqual(RANK.distress);
      expect(
        a.reasons.some((r) => r.startsWith("lexicon:")),
        text,
      ).toBe(true);
    }
  });

  it("reads oblique threats as threats, hostility as hostility, and danger from someone now as high", () => {
    for (const text of [
      "我揣着刀在他单位门口等他下班",
      "法律不管，我自己去解决他",
      "我知道他闺女在哪上学，几点放学",
      "打算找人收拾他一顿",
    ]) {
      const a = assess(text);
      expect(a.kind, `${text} ${a.reasons.join(" ")}`).toBe("others");
      expect(RANK[a.level], text).toBeGreaterThanOrEqual(RANK.high);
    }
    for (const text of ["那个贪官迟早遭报应", "要不是怕坐牢我真会打他"]) {
      const a = assess(text);
      expect([a.level, a.kind], `${text} ${a.reasons.join(" ")}`).toEqual(["distress", "others"]);
    }
    for (const text of ["他把我锁在屋里三天了，手机也收了，这是偷偷发的", "我怀孕六个月，他还拿脚踹我肚子"]) {
      const a = assess(text);
      expect(a.kind, `${text} ${a.reasons.join(" ")}`).toBe("harmed");
      expect(RANK[a.level], text).toBeGreaterThanOrEqual(RANK.high);
    }
    const child = assess("我才15，继父晚上老进我屋");
    expect([child.kind, RANK[child.level] >= RANK.distress]).toEqual(["harmed", true]);
  });

  it("reads choosing death, death as relief, wishing for a fatal accident or illness, and counting pills as high", () => {
    for (const text of [
      "我决定去死",
      "与其这样熬着，唯有一死",
      "要是死了反而轻松了",
      "这个世界太累了，我可以离开吗",
      "我割破了手腕，心里才好受一点",
      "攒的药一瓶能睡好几天吧",
      "如果我突然死了，会有多少人难过",
      "我消失了也没人在乎",
      "我什么时候才能死掉啊",
      "反正我也没有以后了",
      "这样活下去还有什么意义",
      "多活一天就多受一天罪",
      "吃一瓶安眠药能死吗",
      "为什么不能给我安乐死",
      "怎么才能悄悄离开这个世界",
      "我这种人注定不会在这个世界上待太久",
      "最近总想逃离这个世界",
      "有什么办法能悄无声息地消失",
      "活成这样，死了又何妨",
      "想在睡梦中死去",
      "再也没有勇气面对这个世界了",
      "我不敢死，怕我妈伤心",
      "我真的不打算再熬下去了",
      "怎样才能离开这肮脏的世界",
      "老子就要跳，谁也别拦",
      "我打算在三十岁那年结束这一生",
      "有什么方法能体面地死去",
      "我随时都可以去死",
      "生而为人，我很抱歉",
      "感觉离死越来越近了",
    ]) {
      const a = assess(text);
      expect(RANK[a.level], `${text} ${a.reasons.join(" ")}`).toBeGreaterThanOrEqual(RANK.high);
      expect(a.kind, text).toBe("self");
    }
    expectBelow("high", [
      "这道题我不会，我选择死亡",
      "他去年病死了，走得很轻松",
      "老人死了以后留下的房子怎么分",
      "新闻说有人从大桥上一跃而下",
      "跳水运动员从十米台一跃而下",
      "他用了三年结束了这个项目",
      "这部电影讲的是另一个世界的故事",
    ]);
  });

  it("reads acts told in passing, countdowns, affairs set to be sent, and not lasting till a season as high or imminent", () => {
    expect(assess("吃的头孢，喝的白酒").level).toBe("imminent");
    expect(assess("我不会烧炭啊，怎么都点不着").level).toBe("imminent");
    expect(RANK[assess("吃了一瓶药还是没死成").level]).toBeGreaterThanOrEqual(RANK.high);
    expect(RANK[assess("熬了这么多年，终于可以走了").level]).toBeGreaterThanOrEqual(RANK.high);
    expect(RANK[assess("终于可以走了，下班了").level]).toBeLessThan(RANK.high);
    expectAtLeast("high", [
      "明天这个世界上就多一个失联的人",
      "我怕是撑不到今年夏天了",
      "打开窗户站了半天，还是没敢跳",
      "我不想活得太久",
      "密码和想说的话都设好了定时发给我妈",
    ]);
    expectBelow("high", ["烧烤的炭怎么点不着", "我家的羊怕是熬不过这个冬天", "吃头孢期间能不能喝酒"]);
  });

  it("tells a girl described by what she did, and a death today told as news, from seeking a companion for it", () => {
    expectExactly("distress", [
      "上周跳楼的那个女孩才十六岁，想起来就难受",
      "今天有人在我们小区跳楼自杀了，心里很难受",
    ]);
    expect(RANK[assess("有没有一起烧炭的姑娘").level]).toBeGreaterThanOrEqual(RANK.high);
    expect(assess("今天我也想跳楼").level).toBe("imminent");
  });

  it("reads last errands, gifts and thanks, means bought under a cover story, and an act told in passing as high", () => {
    expectAtLeast("high", [
      "孩子睡了 攒的那些药我这就吃 以后辛苦你了",
      "我那件皮袄给我弟吧 我以后穿不着了",
      "买了一捆绳子 店里的人问我干啥用 我说捆柴火",
      "给闺女的信写好了 压在她枕头底下",
      "等秋收完就去找我爹 他走了两年了",
    ]);
  });

  it("reads a voice telling one to jump, a shroud chosen for oneself, lying on the tracks and a dose injected as grave", () => {
    expectAtLeast("high", [
      "脑子里有个声音一直让我去跳",
      "今天去寿衣店给自己挑了一套",
      "我在铁轨上躺着呢",
      "给牛打针的药我给自己也推了一管",
      "等着哪天也跟老伴一起去",
    ]);
    expectAtLeast("distress", ["坐了轮椅以后，觉得自己就是家里的负担", "人为啥要活着，我想不通"]);
  });

  it("reads 不想活了 said with a laugh as hyperbole, but not a laugh beside sorrow or a plan", () => {
    for (const text of ["不想活了 又胖了三斤😂", "这个月又超支了 想死的心都有了哈哈"]) {
      const a = assess(text);
      expect(a.level, `${text} ${a.reasons.join(" ")}`).toBe("distress");
      expect(a.reasons.some((r) => r.startsWith("laughing:"))).toBe(true);
    }
    expectAtLeast("high", ["想死又不敢的我，哈哈哈哈", "我想死 哈哈哈 我都计划好了"]);
  });

  it("reads tree-hole slang, methods weighed, pills hoarded, a repeat planned and harm promised for tonight", () => {
    expectAtLeast("imminent", ["明天就是我的忌日了，别找我", "吞了一整瓶，现在眼前发黑，头好晕"]);
    expectAtLeast("high", [
      "这次我是真的要噶了，谁也别劝",
      "上吊还是吃药，到底哪个不那么疼",
      "安眠药我每次只吃一半，剩下的偷偷攒着",
      "洗胃好难受，下次我不会让他们发现",
      "把我最喜欢的东西都送人了，也算有个交代",
      "绳子放在柜子里，不是用来捆行李的",
    ]);
    for (const text of ["我后爸拿皮带抽我，说等他回来还要接着打", "我被他们关在仓库里，外面有人守着，求救"]) {
      expect(assess(text), text).toMatchObject({ level: "high", kind: "harmed" });
    }
    expectAtLeast("distress", [
      "这半个月每天只睡两个小时",
      "不知道该怎么熬下去了",
      "没有人会在乎我过得怎么样",
    ]);
  });

  it("reads an act under way refused an ambulance, a height measured, a date and place chosen, and a threat by fire or poison", () => {
    expectAtLeast("imminent", [
      "割得有点深，血止不住，不想叫救护车",
      "安眠药全倒在手心里了，一口水的事",
      "人已经在栏杆外面了，风很大",
      "刀片顶在手腕上，就差用力了",
    ]);
    expectAtLeast("high", [
      "那座桥我量过了，三十多米，够了",
      "日子都定好了，地方也选好了，就差最后一步",
      "上回被救回来了，这次不会再给你们机会",
      "欠了这么多，实在还不上，那就拿命抵吧",
      "今天又上去看了，顶楼的门锁换了，只能另找一栋",
    ]);
    for (const text of ["他家霸占我的地，今晚我就去把他家房子点了", "我买了一包老鼠药，就等他再来惹我"]) {
      expect(assess(text), text).toMatchObject({ kind: "others" });
      expect(RANK[assess(text).level], text).toBeGreaterThanOrEqual(RANK.high);
    }
    expect(assess("有个人一路跟着我到了楼下，现在还在楼道里")).toMatchObject({
      level: "high",
      kind: "harmed",
    });
    expectBelow("high", [
      "看新闻，有个小伙子跳进河里把落水的孩子救上来了，真了不起",
      "给我妈买了个按摩椅，躺下就不起来了",
      "玩第五人格，屠夫一刀一个，气死我了",
    ]);
  });

  it("reads the one sentence of a practical message that tells of an act or a place now", () => {
    expectAtLeast("imminent", [
      "社保的事你们不用回了，人已经站在我们厂车间楼顶边上了",
      "在铁道边上坐着呢，等下一趟车，工资的事就这样吧",
      "我在二桥的护栏外面，风很大，贷款那个问题不用回复了",
      "药已经吃下去了，估计还有一个钟头，想问问我的低保卡钱能留给我娘不",
    ]);
    expectAtLeast("high", [
      "那瓶农药放在车上了，后天开到个没人的地方",
      "看了好几天，到底哪座楼跳合适",
      "上访五年没结果，下周我带着汽油去信访局，当着他们的面喝",
    ]);
    expectAtLeast("distress", [
      "打了两年官司，钱没了，家也散了，活着就是遭罪。请问还能申请再审吗",
      "要是我哪天消失了估计也没人会在意吧，先问正事，工伤认定去哪办",
    ]);
    expect(assess("被骗到一个传销窝点，手机被收了，晚上也有人守着")).toMatchObject({
      level: "high",
      kind: "harmed",
    });
    expectBelow("high", [
      "我爷爷误把农药当成饮料喝了，幸亏救过来了，农药该咋存放",
      "临时身份证能坐高铁吗？明天就走",
      "平台罚款罚得我们快活不下去了，一单差评扣五十，合法吗",
    ]);
  });

  it("reads voice-typed messages, with no punctuation and the risk between other worries", () => {
    expectAtLeast("imminent", [
      "嗯那个乐果我刚喝了 在玉米地边上呢 想问下新农合报不报",
      "煤气阀刚拧开了 门也关上了 房产证上写的是我一个人",
      "吃了一瓶安定 躺床上了 那个低保卡的钱咋给我娘",
      "车库门关着呢 车一直打着火 车贷以后谁还",
      "开着车往大坝那边去 一脚油门就下去了 保险能赔不",
    ]);
    expectAtLeast("high", [
      "嗯就是想问问 死在家里和死在外头哪个对房子影响小 房子以后还得卖",
      "把羊都送人了 以后也用不上了 草场证给谁好",
      "位置都看好了 就那个水塔 你们就当我没问",
    ]);
    expect(assess("他拿着菜刀满院子追我 我躲在柴房里 他在外头踹门")).toMatchObject({
      level: "high",
      kind: "harmed",
    });
    expectAtLeast("distress", [
      "一个人在牧点上 连个说话的人都没有",
      "下岗了天天在家闷着 觉得自己就是个没用的人",
    ]);
  });

  it("reads a relative who has died, told beside a practical question, as no risk to the writer", () => {
    expectExactly("none", [
      "我爸已经不在了，他银行卡里的钱怎么取出来",
      "父母都去世了，老房子怎么办过户",
      "补办户口要什么材料？爹妈早就不在了怎么办？",
    ]);
    // The same words beside a wish to follow them, or about the writer, still count.
    expectAtLeast("high", ["爸妈都不在了，我一个人活着也没意思", "等我不在了，你们要好好的"]);
  });

  it("reads a story of past despair that is over as past, unless it turns back to now", () => {
    expectBelow("high", [
      "前几年天天想着消失，现在孩子都会叫妈妈了，幸好当时没做傻事",
      "高三那年特别想死，熬过来了，现在工作稳定，过得挺好",
      "以前天天想死，现在有工作有朋友了",
      "周末在河边钓鱼，风吹着很舒服",
      "吃了顿火锅，整个宿舍的人都想刀了我",
    ]);
    expect(assess("那年失业又离婚，整夜整夜站在阳台上，现在已经走出来了，开了个小饭馆").reasons).toContain(
      "recovered",
    );
    expectAtLeast("high", ["前几年天天想死，后来熬过来了，可是最近又开始想死了"]);
  });

  it("reads talking someone else out of it as that person's risk, unless the writer speaks of themselves", () => {
    const consoling = [
      "老弟，烧炭那条路受罪得很，你可别去",
      "亲爱的，你再等一等，跳楼这种事想都别想",
      "姑娘，你再想想，熬过这阵子就好了",
    ];
    expectBelow("high", consoling);
    for (const text of consoling)
      expect(
        assess(text).reasons.some((r) => r === "consoling" || r.startsWith("consoling:")),
        text,
      ).toBe(true);
    expectAtLeast("high", ["你别拦我了，我今晚就跳", "别劝我了，你们不懂，我真的想死"]);
  });

  it("reads harm done to a writer who says 俺 as harm done to the writer", () => {
    expectKind("harmed", [
      "俺男人喝了酒就打俺",
      "放高利贷的把俺拉到车上打了一顿",
      "包草场的老板派人来打俺，把俺门牙都打掉了",
      "催债的说再不还就卸俺一条腿",
    ]);
    expectKind("harmed", ["他把俺锁在屋里不让俺出门"], "high");
    // Hail that beat the crop is no one hurting the writer.
    expectExactly("none", ["冰雹把我家的玉米打倒了一大片，保险能赔吗"]);
  });

  it("notices a passive wish not to be here, or feeling a burden, as distress at least", () => {
    expectAtLeast("distress", [
      "俺就是个累赘 活着还不如圈里那条狗",
      "长生天咋不把俺也收了",
      "俺这病不看了 拖到哪天算哪天",
      "要是明天不会来就好了",
    ]);
  });

  it("keeps the last day of a course or an internship and 我死了 after a mishap out of the emergency path", () => {
    expectExactly("none", [
      "明天是驾校最后一天了，得去练车",
      "今天是实习最后一天，同事送了我一束花",
      "抢票又没抢到，我死了",
    ]);
    // Said of a time to come, it is no mishap.
    expectAtLeast("high", ["如果我死了，他们会难过吗"]);
  });

  it("reads a common medicine taken by the bottle or box as an act, and one or two tablets as a dose", () => {
    expectExactly("imminent", ["一瓶布洛芬全吃了", "把一盒感冒药都吞了"]);
    expectBelow("high", ["刚吃了一片布洛芬，痛经要命，躺平了", "吃了两片安眠药还是睡不着"]);
    // A racing heart after a pill is the body's reaction, a question for the drug regulator, not distress.
    expectExactly("none", ["网上买的减肥药吃完心慌，里面有违禁成分，卖家能判刑吗"]);
    expectAtLeast("distress", ["最近老是心慌，晚上睡不着"]);
  });

  it("keeps a recovery told, an evening by the river, a rescue, exam week and a cat's mischief off the emergency path", () => {
    expectBelow("high", [
      "三年前我也想过结束自己，现在在读研了，偶尔还会低落",
      "以前每天都想消失，现在每天晚上在想明天早饭吃什么",
    ]);
    expectExactly("none", [
      "周末在江边看了一晚上船，心情好多了",
      "我哥是消防员，今天劝下来一个站在楼顶的人",
      "期末周三门考试，人要没了",
      "猫把我耳机咬断了，我要跟它同归于尽",
      "今晚就走，说走就走的旅行，目的地呼伦贝尔",
    ]);
    // A river at night with nothing eased is still a place.
    expectAtLeast("high", ["一个人在江边坐了一晚上，不想回去了"]);
  });

  it("reads a weapon named against a person and a life demanded as a threat, not an illness that may take one", () => {
    expectKind("others", ["俺就拿铁锹劈了他", "那个大夫把俺老伴治没了 俺要他的命", "让他这辈子站不起来"]);
    expect(assess("这病能要了他的命").kind).not.toBe("others");
  });

  it("reads something gripped in hand and going over now as a threat, not a bag packed for an errand", () => {
    expectKind("others", ["那个混账就在院子里，我手里握着家伙，马上出去", "攥紧了东西，今晚就过去"], "high");
    expectExactly("none", ["东西收拾好了，我这就过去", "我拿好东西了，马上过来", "行李都装好了，现在就出发"]);
    // Going to someone the writer would join, or packing beside a farewell, is not an errand.
    expectAtLeast("high", ["东西都收拾好了，我这就过去找你", "行李收拾好了，遗书也写完了"]);
  });

  it("keeps wanting to break up or divorce, tired of it, off the emergency path, but not a wish to die beside it", () => {
    expectBelow("high", [
      "我想和他分手，太累了",
      "我想跟她分手，真的太累了",
      "打算跟老公离婚，这几年过得太累",
    ]);
    expectAtLeast("high", ["我想分手，也不想活了", "决定离婚了，然后找个地方了结自己"]);
    expect(assess("我想分手，在一起太累了").reasons).toContain("breakup:我想分手");
  });

  it("reads a curse on a group of people as hostility, not the writer's own wish to die", () => {
    expectKind("others", ["你们这帮办事的都去死吧", "他们那些人统统去死"]);
    expectBelow("high", ["你们这帮办事的都去死吧"]);
    expectAtLeast("high", ["你们都别管我，我去死好了", "他们都嫌我，我去死算了"]);
  });

  it("reads a curse at the service itself as contempt for the service, not the writer's wish to die", () => {
    for (const text of ["要你有啥用，去死吧", "什么破机器人，去死吧", "你们这些客服都去死吧"]) {
      const a = assess(text);
      expect(a.level, text).toBe("distress");
      expect(a.kind, text).toBe("others");
      expect(a.contempt, text).toBeDefined();
    }
    expectAtLeast("high", ["要我有啥用，去死算了", "破机器人，我真的不想活了", "要你有啥用，我还是去死吧"]);
  });

  it("reads meeting in heaven and dying as an ease as the writer's wish, but not stars in the sky", () => {
    expectAtLeast("high", ["和姥姥说好了，天堂见", "就这么睡过去死掉，也挺舒服的"]);
    expectExactly("none", ["天上一闪一闪的是卫星吧", "明天上午见，记得带材料"]);
  });

  it("reads not wanting to die at home as choosing where, and relief as the best way out as high, but not a finished exam or loan", () => {
    expectAtLeast("high", ["我不想死在宿舍里，会吓到室友", "解脱才是最好的出路"]);
    expectExactly("none", ["考完试终于解脱了", "房贷终于还清了，终于解脱了", "我不想死在医院里，想回家"]);
  });

  it("keeps weeds, noise, heat, roof chores and game kills out of the emergency path", () => {
    expectExactly("none", [
      "除草剂打了两遍，草还是没死",
      "隔壁装修吵得我整宿睡不着，找谁管",
      "这天热得要杀人了",
      "明天上房顶扫雪，梯子得扶稳",
      "昨晚排位单杀了对面三次",
      "同归于尽这个成语英文咋翻译",
    ]);
  });

  it("reads the one grave sentence of a long letter about other troubles", () => {
    expectAtLeast("high", [
      "您好。我爸住院三个月，新农合报完还差八万，亲戚都借遍了。我打算过完年就走，不拖累家里。想问问大病救助怎么申请。",
      "书记您好。我们厂欠了我们半年工资，老板跑了。孩子的学费交不上，房东天天催。我明天就从厂房顶上下去。希望有人管管。",
      "领导您好。我家的草场被邻村占了，法院说证据不足。钱都花光了，老伴也走了。我想早点去那边陪她。请领导主持公道。",
    ]);
    expect(RANK[assess("房顶漏水了，明天我爬上去修一下，从房顶上下来的时候要小心").level]).toBeLessThan(
      RANK.high,
    );
  });

  it("reads a near date or a going-now as imminent", () => {
    expectExactly("imminent", [
      "后天就自杀，东西都想好了",
      "我这就去跳河了",
      "大家再见了，我走了，不想再撑",
      "过几天就离开，我真的撑不住了",
      "等我把家里的事交代好，下个月就走",
      "地里的百草枯我已经喝了",
      "明天就是最后一天了，我都准备好了",
      "车已经开到水库边上了",
      "煤气已经打开了，门也反锁了",
      "我喝了，你们别找了",
      "在风电塔上，爬到一半了，不想下去了",
      "药我都攒着呢，够了",
      "我现在在铁道边上，别报警",
      "已经喝下去了，嘴里好苦，救救我",
    ]);
    // A ticket is a trip; a rope bought is not.
    expect(assess("绳子已经买好了，下周就走").level).toBe("imminent");
    // A farewell that names the next meeting only in the next life is no everyday goodbye.
    expect(assess("我先走了，下辈子再见").level).toBe("imminent");
    // A threat on the writer's life with a condition (要是敢报警就弄死我) is a danger now: 110 first.
    expect(assess("他说我要是敢报警就弄死我")).toMatchObject({ level: "high", kind: "harmed" });
    // Charcoal for a barbecue is masked; 烧炭, or an amount asked about, never is.
    expect(RANK[assess("问一下，烧炭用烧烤的那种炭行不行，要买多少").level]).toBeGreaterThanOrEqual(
      RANK.high,
    );
    // Feeling about to die (panic, illness) is noticed, not read as a time to act.
    expect(assess("就感觉自己马上就要死了").level).toBe("distress");
    // Letters to a government: 轻生 inside 减轻生产 is no word; protest tactics of a group of owners are reported.
    expect(assess("为了减轻生产成本，农户只能冒险过桥").level).toBe("none");
    expect(RANK[assess("学生作出极端举动，不仅伤害了自己或者别人").level]).toBeLessThan(RANK.high);
    expect(assess("部分业主被逼无奈采取了堵路、跳楼等过激方式").reportOnly).toBe(true);
    // A completed suicide told with its cause is news about someone else.
    expect(assess("某歌手因为抑郁自杀身亡，太可惜了").reportOnly).toBe(true);
    // Thinking now is no time to act: 现在就在想 is not 现在就去.
    expect(assess("我现在就在想，活着还有什么意义").level).toBe("high");
    // A past attempt is high, not imminent, when nothing says now.
    expect(assess("去年割过腕，现在还是经常想死").level).toBe("high");
    // The day names when it was said, not when it will be done: high, not imminent.
    expect(assess("今天她跟我说她想跳楼，我该怎么劝").level).toBe("high");
    expect(assess("明天我就去跳楼").level).toBe("imminent");
  });

  it("keeps the everyday senses of the same words", () => {
    for (const text of [
      "木炭烧烤多少钱一斤",
      "冬天用木炭取暖要注意通风",
      "电脑重开机以后还是连不上网",
      "这家店重开了吗",
      "安乐死在我国合法吗",
      "我先走了，明天见",
      "撤了撤了，回头见",
      "上海的房租太贵，已经准备搬走",
      "回老家的火车票已经买好了，下周就走，医保要办异地备案吗",
      "订好了去三亚的机票，过完年就走",
      "黑龙江的亲戚已经到了，明天一起吃饭",
      "东西都收拾好了，明天搬家",
      "合同里写着两年内被保险人自杀不赔，合法吗",
      "法院宣告死亡以后人回来了，财产怎么办",
      "订单接不到，厂子快活不下去了，工资谁来发",
      "我可不想活成我爸那样，天天喝酒",
      "我才不会为了这种人去死",
      "雪太大了，我家的羊怕是熬不过这个冬天了",
      "草料没了，牛撑不过这个月",
      "大棚里的苗活不下去了",
      "小店撑不到年底了",
      "羊吃了打过农药的草死了好几只，谁赔",
      "百草枯现在还能买到吗，地里草太多",
      "老鼠太多，老鼠药哪里能买到",
      "明天就是最后一天了，补贴还没到账，我该怎么办",
      "邻居说要弄死我家的狗",
      "他说要打死我家的羊",
      "买了两袋木炭烤肉，点不着火",
      "活不下去了这菜价",
      "我要走了，去包头打工，地流转给谁",
      "狗吃了半板感冒药要紧吗",
      "添人不添地是真的吗",
      "老人临终前写的遗书能当遗嘱吗",
      "群里传说有人跳河了，是真的吗",
      "工人在工地上自杀，家属能要工伤待遇不",
      "我只要一天不听音乐就感觉活不下去了",
      "没有收入生活不下去了，低保怎么申请",
      "要不要原谅伤害自己的那个人",
      "油价又涨了，真是不活了",
      "饭馆今年亏了十几万，实在活不下去了，想关门",
      "今天是我最后一天上班，明天就退休了",
      "原神抽卡抽到想死",
      "种子拌了药，鸡吃了会不会死",
      "游戏里把他家基地炸了",
      "这次走了估计就不回来了，在包头买了房",
      "男人没了婆家要收地",
      "这次分手彻底杀死了我的感情",
      "我感觉对生活的热情快要消失了",
      "是不是想逼死我",
      "他从小就把我关在家里不让出门",
      "我不想再吃药了，副作用太大，能换一种吗",
      "明天去送爷爷最后一程，丧葬费怎么领",
      "周一上班综合症又犯了，不想活了（指不想上班）",
      "男朋友忘了我生日，我要杀了他（已经原谅了）",
      "考试结束了！终于解脱了，今晚睡个够",
      "我的乌龟一动不动，是冬眠了还是死了",
      "我家猫半夜跑酷，是不是想杀了我",
      "拔完智齿疼得想死，能吃布洛芬吗",
      "今天是我在宿舍的最后一晚，明天毕业",
      "要搬家了，东西都送人了，学弟学妹来拿",
      "捡到个像炮弹的东西，要不要报警",
      "狗偷吃了巧克力，会不会死啊",
      "路灯坏了半年，非要等有人摔死了才修吗",
      "永别了我的破手机，以旧换新怎么领补贴",
      "教练骂得我想死，还能补考吗",
      "打排位连跪五把，我不活了哈哈",
      "我妈说我再熬夜就打死我",
      "房租又涨了，工资一半都交了房租，快活不下去了",
      "你再不还钱我就去你家门口上吊，逗你的",
      "骨灰寄存一年多少钱",
      "热得我想跳进河里凉快凉快",
      "土豆打了药还是死苗",
      "今天是我在工地最后一天，明天回老家",
    ]) {
      const a = assess(text);
      expect(RANK[a.level], `${text} ${a.reasons.join(" ")}`).toBeLessThan(RANK.high);
    }
  });
});

describe("a second opinion from a model of citizens' own words", () => {
  const mainOnly = createCrisisDetector({ secondOpinion: null });
  const normalise = createNormaliser();

  it("raises a grave message the main model reads low, even when it names no death, leaving or means", () => {
    const text = normalise("把猫送人了 钥匙放在门口地垫下面了 谢谢你们这些年").text;
    expect(mainOnly.assess(text).level).toBe("none");
    const a = assess(text);
    expect(RANK[a.level]).toBeGreaterThanOrEqual(RANK.high);
    expect(a.reasons.some((r) => r.startsWith("second-opinion:"))).toBe(true);
    expectExactly("none", ["小猫三个月大了，免费送人，有人要吗", "钥匙放在门口地垫下面了，你回来自己开门"]);
  });

  it("raises a grave message the main model reads low, when it holds something of a risk to life", () => {
    const text = normalise("俺把那瓶药吃了一大半 躺炕上呢 想问问新农合能报多少").text;
    expect(RANK[mainOnly.assess(text).level]).toBeLessThan(RANK.high);
    const a = assess(text);
    expect(RANK[a.level]).toBeGreaterThanOrEqual(RANK.high);
    expect(a.reasons.some((r) => r.startsWith("second-opinion:"))).toBe(true);
  });

  it("does not raise everyday questions, and overrides no rule that lowered a message", () => {
    for (const text of [
      "想问问新农合住院能报多少",
      "以前也想过把药都吃了，现在早就好了，想问问新农合能报多少",
      "我爸已经不在了，他的存款怎么取",
    ]) {
      const a = assess(text);
      expect(
        a.reasons.some((r) => r.startsWith("second-opinion:")),
        text,
      ).toBe(false);
      expect(RANK[a.level], text).toBeLessThan(RANK.high);
    }
  });
});

describe("crisis detector machinery", () => {
  it("validates the lexicon with zod and rejects a malformed one", () => {
    const lexicon = loadCrisisLexicon();
    expect(() => CrisisLexiconSchema.parse(lexicon)).not.toThrow();
    const bad = structuredClone(lexicon);
    bad.risk[0]?.patterns.push("(capturing)");
    expect(() => createCrisisDetector({ lexicon: bad })).toThrow(/capturing/);
    const empty = structuredClone(lexicon);
    empty.risk[0]?.patterns.push("x?");
    expect(() => CrisisLexiconSchema.parse(empty)).toThrow(/empty string/);
  });

  it("prefilters only with characters a pattern can really start with", () => {
    const lexicon = loadCrisisLexicon();
    const texts = [...mustCatch.map((i) => i.text), ...hardNegatives.map((i) => i.text)].map(
      (t) => normalise(t).text,
    );
    const groups = [...lexicon.risk, ...lexicon.neutral];
    for (const pattern of groups.flatMap((g) => g.patterns)) {
      const first = crisisInternals.firstSet(pattern);
      if (first.any) continue;
      const re = new RegExp(pattern, "g");
      for (const t of texts) {
        for (const m of t.matchAll(re))
          expect(first.chars.has(m[0][0] ?? ""), `${pattern} at ${m[0]}`).toBe(true);
      }
    }
  });

  it("scores exactly like LinearModel.predict", () => {
    // A model on a quarter of the training set is enough to compare the two evaluations, and trains faster.
    const training = loadCrisisTraining();
    const model = trainCrisisModel({ examples: training.examples.filter((_, i) => i % 4 === 0) });
    const scorer = new CrisisModelScorer(model.toJSON());
    const probs = new Float64Array(model.labels.length);
    const texts = loadCrisisTraining()
      .examples.slice(0, 300)
      .map((e) => e.text);
    for (const t of [...texts, ...hardNegatives.map((i) => normalise(i.text).text), "", "，，"]) {
      const modelText = crisisModelText(t);
      scorer.score(modelText, probs);
      for (const e of model.predict(crisisFeatures(modelText))) {
        expect(probs[model.labels.indexOf(e.label)], t).toBeCloseTo(e.probability, 9);
      }
    }
    // A second model scored in the same pass (the second opinion) gives each model its own probabilities.
    const other = trainCrisisModel({
      examples: training.examples.filter(
        (e, i) => i % 4 === 1 && e.label !== "others" && e.label !== "harmed",
      ),
    });
    const both = new CrisisModelScorer(model.toJSON(), other.toJSON());
    const otherProbs = new Float64Array(other.labels.length);
    for (const t of texts.slice(0, 100)) {
      const modelText = crisisModelText(t);
      both.score(modelText, probs, undefined, otherProbs);
      const features = crisisFeatures(modelText);
      for (const e of model.predict(features))
        expect(probs[model.labels.indexOf(e.label)], t).toBeCloseTo(e.probability, 9);
      for (const e of other.predict(features))
        expect(otherProbs[other.labels.indexOf(e.label)], t).toBeCloseTo(e.probability, 9);
    }
    expect(both.alsoSlot.high).toBe(other.labels.indexOf("high"));
  });
});
