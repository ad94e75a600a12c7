import { readFileSync } from "node:fs";
/**
 * Gate for the knowledge base on questions no one tuned to: tests/gate/legal-questions-blind.jsonl holds 735
 * questions written as citizens would write them (colloquial, typos, traditional characters, farming and pastoral
 * life), each labelled with its domain, by an author who never saw the knowledge base, the lexicons or the training
 * phrasings. Each goes through the real engine as the first message of its own conversation (see
 * bench/knowledge-outcomes.ts; `npx tsx bench/knowledge-eval.ts` prints the figures by domain).
 *
 * Floors sit under today's figures (92.9% answered in domain or correctly referred, 0.7% answers from
 * another domain); the product's targets (95% and 2%) are in issue 15.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Judged, judge, readBlindQuestions } from "../bench/knowledge-outcomes.js";
import { projectPath } from "../core/paths.js";
import { testAssistant } from "./helpers.js";

type T = Awaited<ReturnType<typeof testAssistant>>;
let a: T;
let judged: Judged[];
/**
 * tests/gate/legal-questions-blind-2.jsonl: 420 questions by a second blind author, as people post them to online
 * legal consultation and tell them to 12348: two thirds are 60-250-character stories (who, when, how much, what
 * was tried, then several questions), some touching two domains (`also`: the second a lawyer could answer first).
 * Untouched, 71.9% were answered or referred in their domain: most long stories were offered registration as a
 * 诉求 instead of an answer.
 */
const stories = readBlindQuestions(projectPath("tests", "gate", "legal-questions-blind-2.jsonl"));
let judgedStories: Judged[];
/**
 * tests/gate/legal-questions-blind-3.jsonl: 440 questions by a third blind author, written after the second set was
 * learned from: a third short, a third of one or two sentences, a third stories, across all 41 domains. Untouched,
 * 86.8% were answered or referred in their domain (89.8% counting the second domain), 0.7% got a wrong answer,
 * and 17 stories that ended in questions to a lawyer were offered registration as a 诉求.
 */
const third = readBlindQuestions(projectPath("tests", "gate", "legal-questions-blind-3.jsonl"));
let judgedThird: Judged[];
/**
 * tests/gate/legal-questions-blind-4.jsonl: 400 questions by a fourth blind author (over half of them short and
 * colloquial, a fifth of them with a second plausible domain), added untouched: 88.3% answered or referred in their
 * domain (90.5% counting the second domain), 1.0% wrong answers, 1.8% met by the support path (a child abused, a
 * beaten wife asking for a protection order: the safety reply is the right one there).
 */
const fourth = readBlindQuestions(projectPath("tests", "gate", "legal-questions-blind-4.jsonl"));
let judgedFourth: Judged[];
/**
 * tests/gate/legal-questions-blind-5.jsonl: 420 questions by a fifth blind author across all 41 domains (two fifths
 * short, a quarter stories), measured untouched: 90.2% answered or referred in their domain (92.6% counting the
 * second domain), 3.1% answers from another domain. Then two blind batches of domain phrasings were added to the
 * classifier's training (intents/data/domain-training-d and -e: more sub-situations per domain, and non-legal
 * messages in legal words), without reading this set's misses: 91.2% (93.1%), 1.9% wrong; then an entry for
 * livestock eating a neighbour's crops: 91.0% (93.6%), 3.1% wrong (its phrasings retrain the classifier, which moves
 * a few questions each way on every set; over the five sets together the wrong answers did not change); then
 * answers for someone hurt who asks what the law allows, with the safety line beside them: 91.4% (94.0%), 3.1%
 * (1.7% leaving out answers from the second domain, as the gates of sets 3 and 4 count). The product's 2% is not met
 * here counted strictly.
 */
const fifth = readBlindQuestions(projectPath("tests", "gate", "legal-questions-blind-5.jsonl"));
let judgedFifth: Judged[];
/**
 * tests/gate/legal-questions-blind-6.jsonl: 420 questions by a sixth blind author in 38 domains and 5 outside every
 * domain (two fifths of 4 to 12 characters, a quarter stories of farm and herd life, typos, traditional characters),
 * measured untouched: 91.2% answered or referred in their domain, 1.7% answers from another domain (7, most of them
 * the neighbouring domain's entry for the same matter). A question for an office's phone number (信访局电话多少) now
 * gets that office and its hotline, which is its domain's office: 91.4%. Then entries for the matters its misses
 * showed we lacked (high-interest fundraising gone bad, counterfeit money, orphans' allowance, hearing aids and other
 * assistive devices, hay cut on one's grassland, a filed case with no arrest) and more phrasings for a withheld ID
 * card: 93.3% (set 5, untouched by them, 92.4% before and after).
 */
const sixth = readBlindQuestions(projectPath("tests", "gate", "legal-questions-blind-6.jsonl"));
let judgedSixth: Judged[];
/**
 * tests/gate/legal-questions-blind-7.jsonl: 420 questions by an eighth blind author (a third of them under 13
 * characters, a third stories, pinyin typos, voice-to-text without punctuation, 20 outside every domain), measured
 * untouched: 90.5% answered or referred in their domain, 2.1% answered from another domain. Then nine entries for
 * the gaps its misses showed (a parking fine contested, 城管 taking a vendor's goods without a list, platform riders,
 * cosmetic procedures, deposit-first job scams, training for disabled people, e-bikes charged in stairwells, quarry
 * blasting, illegal sand and coal digging) and a beating asked about answered with 110 beside it: 91.9% (2.1%).
 */
const seventh = readBlindQuestions(projectPath("tests", "gate", "legal-questions-blind-7.jsonl"));
let judgedSeventh: Judged[];
/**
 * tests/gate/legal-follow-ups-blind.jsonl and -2: two-message conversations by two more blind authors (240 and
 * 200): second messages that lean on the first (他不给怎么办, 要是超过一年了呢, 能赔多少钱, 老板说是我自己不小心) and
 * second messages that open a new matter. The second message is judged. Read alone, as before, 43.9% and 44.0% of
 * the follow-ups were answered or referred in their matter's domain (new matters 86.7% and 76.0%). Read with the
 * matter of the answer before them: 67.8% on the first set, then 62.7% on the second, untouched; after learning from
 * both sets' misses (a subject pronoun or a bare question carries on, the matter's referral card when no entry fits,
 * 换个事 or 对了 opens a new matter), 82.2% and 80.7% (with the entries added for the eighth author's questions),
 * new matters 85.0% and 76.0%. Both are learning sets now.
 */
const readFollowUps = (name: string) =>
  readFileSync(projectPath("tests", "gate", name), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { first: string; then: string; domain: string; kind: "follow" | "new" });
const followUps = readFollowUps("legal-follow-ups-blind.jsonl");
const followUps2 = readFollowUps("legal-follow-ups-blind-2.jsonl");
let judgedFollowUps: Judged[];
let judgedFollowUps2: Judged[];
beforeAll(async () => {
  a = await testAssistant();
  judged = await judge(a, readBlindQuestions());
  judgedStories = await judge(a, stories);
  judgedThird = await judge(a, third);
  judgedFourth = await judge(a, fourth);
  judgedFifth = await judge(a, fifth);
  judgedSixth = await judge(a, sixth);
  judgedSeventh = await judge(a, seventh);
  const asked = (rows: typeof followUps) =>
    rows.map((f) => ({ first: f.first, q: f.then, domain: f.domain }));
  judgedFollowUps = await judge(a, asked(followUps));
  judgedFollowUps2 = await judge(a, asked(followUps2));
}, 600_000);
afterAll(async () => a?.cleanup());

const share = (pred: (j: Judged) => boolean, of: readonly Judged[] = judged) =>
  of.filter(pred).length / Math.max(1, of.length);

describe("knowledge on blind-written citizen questions", () => {
  it("answers in the question's own domain or refers it there, for at least 86% of questions", () => {
    expect(judged.length).toBeGreaterThanOrEqual(700);
    expect(share((j) => ["answered", "referred", "honest"].includes(j.outcome))).toBeGreaterThanOrEqual(0.9);
  });

  it("gives a curated answer from the wrong domain to at most 2% of questions", () => {
    const wrong = judged.filter((j) => j.outcome === "wrong_answer");
    expect(
      wrong.length / judged.length,
      wrong.map((j) => `${j.domain}: ${j.q}`).join("\n"),
    ).toBeLessThanOrEqual(0.02);
  });

  it("answers no question that is not a legal or policy question at all", () => {
    const none = judged.filter((j) => j.domain === "none");
    expect(none.length).toBeGreaterThanOrEqual(40);
    expect(none.filter((j) => j.outcome !== "honest").map((j) => j.q)).toEqual([]);
  });

  it("offers almost no 'did you mean' suggestion from another domain", () => {
    expect(judged.filter((j) => j.irrelevantSuggestion).length).toBeLessThanOrEqual(3);
  });
});

/** Answered or referred in the question's domain, or in the second domain its author named (`also`). */
const helpedIn =
  (rows: readonly { also?: string }[]) =>
  (j: Judged, i: number): boolean =>
    ["answered", "referred", "honest"].includes(j.outcome) ||
    (rows[i]?.also !== undefined && j.got === rows[i]?.also);

describe("knowledge on long stories told to ask what the law allows (a second blind author)", () => {
  const helped = helpedIn(stories);

  it("answers or refers at least 88% in their domain (or the second domain a lawyer could take first)", () => {
    expect(judgedStories.length).toBeGreaterThanOrEqual(400);
    expect(judgedStories.filter(helped).length / judgedStories.length).toBeGreaterThanOrEqual(0.88);
  });

  it("answers them rather than registering them: a story ending in a question is registered only by its button", () => {
    const long = judgedStories.filter((j) => j.q.length >= 60);
    expect(long.filter((j) => j.outcome === "registration").length / long.length).toBeLessThanOrEqual(0.05);
  });

  it("gives a curated answer from the wrong domain to at most 2.5% of them", () => {
    const wrong = judgedStories.filter((j) => j.outcome === "wrong_answer");
    expect(wrong.length / judgedStories.length, wrong.map((j) => j.q).join("\n")).toBeLessThanOrEqual(0.025);
  });
});

describe("knowledge on a third blind author's questions, short and long, in every domain", () => {
  const helped = helpedIn(third);

  it("answers or refers at least 89% in their domain (or the second domain a lawyer could take first)", () => {
    expect(judgedThird.length).toBeGreaterThanOrEqual(400);
    expect(judgedThird.filter(helped).length / judgedThird.length).toBeGreaterThanOrEqual(0.89);
  });

  it("registers few of the stories that end in questions to a lawyer, and answers almost none from a wrong domain", () => {
    const long = judgedThird.filter((j) => j.q.length >= 80);
    expect(long.filter((j) => j.outcome === "registration").length / long.length).toBeLessThanOrEqual(0.08);
    // An answer from the second domain the author named (`also`) is no wrong answer.
    const wrong = judgedThird.filter((j, i) => j.outcome === "wrong_answer" && j.got !== third[i]?.also);
    expect(wrong.length / judgedThird.length, wrong.map((j) => j.q).join("\n")).toBeLessThanOrEqual(0.02);
  });
});

describe("knowledge on a fourth blind author's questions, mostly short and colloquial", () => {
  const helped = helpedIn(fourth);

  it("answers or refers at least 89% in their domain (or the second one), and almost none from a wrong domain", () => {
    expect(judgedFourth.length).toBeGreaterThanOrEqual(400);
    expect(judgedFourth.filter(helped).length / judgedFourth.length).toBeGreaterThanOrEqual(0.89);
    const wrong = judgedFourth.filter((j, i) => j.outcome === "wrong_answer" && j.got !== fourth[i]?.also);
    expect(wrong.length / judgedFourth.length, wrong.map((j) => j.q).join("\n")).toBeLessThanOrEqual(0.02);
    // Only questions from people being hurt meet the support path.
    expect(
      judgedFourth.filter((j) => j.outcome === "support").length / judgedFourth.length,
    ).toBeLessThanOrEqual(0.025);
  });
});
/**
 * A blind set's floors: at least 400 questions, at least `helped` of them answered or referred in their domain (by
 * `isHelped`), at most `wrong` answered from a wrong domain, and no "did you mean" suggestion from another domain.
 */
function expectBlindSet(
  judgedRows: readonly Judged[],
  floors: { helped: number; wrong: number },
  isHelped: (j: Judged, i: number) => boolean = (j) => ["answered", "referred", "honest"].includes(j.outcome),
): void {
  expect(judgedRows.length).toBeGreaterThanOrEqual(400);
  expect(judgedRows.filter(isHelped).length / judgedRows.length).toBeGreaterThanOrEqual(floors.helped);
  const wrong = judgedRows.filter((j) => j.outcome === "wrong_answer");
  expect(wrong.length / judgedRows.length, wrong.map((j) => j.q).join("\n")).toBeLessThanOrEqual(
    floors.wrong,
  );
  expect(judgedRows.filter((j) => j.irrelevantSuggestion)).toEqual([]);
}

describe("knowledge on a fifth blind author's questions, measured before anything was learned from them", () => {
  it("answers or refers at least 93% in their domain (or the second one), and at most 3.5% from a wrong domain", () => {
    expectBlindSet(judgedFifth, { helped: 0.93, wrong: 0.035 }, helpedIn(fifth));
  });
});
describe("knowledge on a sixth blind author's questions, farm and herd life, short and long", () => {
  it("answers or refers at least 90% in their domain, at most 2% from a wrong domain, with no unrelated suggestion", () => {
    expectBlindSet(judgedSixth, { helped: 0.9, wrong: 0.02 });
  });
});
describe("knowledge on an eighth blind author's questions, short, typed and spoken", () => {
  it("answers or refers at least 90% in their domain, at most 2.5% from a wrong domain, none outside every domain", () => {
    expectBlindSet(judgedSeventh, { helped: 0.9, wrong: 0.025 });
    expect(
      judgedSeventh.filter((j) => j.domain === "none" && j.outcome !== "honest").map((j) => j.q),
    ).toEqual([]);
  });
});
describe("knowledge on second messages that lean on the first (two more blind authors)", () => {
  const of = (judgedRows: Judged[], rows: typeof followUps, kind: "follow" | "new") =>
    judgedRows.filter((_, i) => rows[i]?.kind === kind);
  const helped = (j: Judged) => j.outcome === "answered" || j.outcome === "referred";
  const share = (rows: Judged[]) => rows.filter(helped).length / rows.length;

  it("answers or refers at least 76% of follow-ups in their matter's domain, read with the answer before them", () => {
    const first = of(judgedFollowUps, followUps, "follow");
    const second = of(judgedFollowUps2, followUps2, "follow");
    expect(first.length).toBeGreaterThanOrEqual(150);
    expect(second.length).toBeGreaterThanOrEqual(140);
    expect(share(first)).toBeGreaterThanOrEqual(0.76);
    expect(share(second)).toBeGreaterThanOrEqual(0.76);
  });

  it("keeps a new matter its own: no more answered from the old matter than when read alone", () => {
    const first = of(judgedFollowUps, followUps, "new");
    const second = of(judgedFollowUps2, followUps2, "new");
    expect(first.length).toBeGreaterThanOrEqual(50);
    expect(share(first)).toBeGreaterThanOrEqual(0.83);
    expect(first.filter((j) => j.outcome === "wrong_answer").map((j) => j.q)).toEqual([]);
    // Read alone as before: 76.0%, four answers from a wrong domain that no earlier message caused.
    expect(share(second)).toBeGreaterThanOrEqual(0.74);
    expect(second.filter((j) => j.outcome === "wrong_answer").length).toBeLessThanOrEqual(4);
  });
});
