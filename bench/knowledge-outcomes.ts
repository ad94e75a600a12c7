/**
 * What a citizen gets back for each blind-written legal question (tests/gate/legal-questions-blind.jsonl, written
 * by authors who never saw the knowledge base), sent through the real engine as the first message of its own
 * conversation. Shared by `npx tsx bench/knowledge-eval.ts` (prints figures by domain) and the gate test.
 */
import { readFileSync } from "node:fs";
import type { Assistant } from "../bot/assistant.js";
import { projectPath } from "../core/paths.js";
import { loadDomains } from "../knowledge/domains.js";

export const BLIND_QUESTIONS = projectPath("tests", "gate", "legal-questions-blind.jsonl");

export type Outcome =
  | "answered" // a curated answer in the question's domain
  | "referred" // a referral card for the question's domain
  | "honest" // "not sure" (or out of scope) without an unrelated suggestion, for a question outside every domain
  | "unsure" // "not sure" for a question in a domain we know: neither right nor wrong, but no help
  | "registration" // the offer to register it as a 诉求
  | "support" // the crisis or distress path
  | "wrong_answer" // a curated answer from another domain, or any answer to a non-legal question
  | "wrong_referral"; // a referral card for another domain

export interface Judged {
  q: string;
  domain: string;
  outcome: Outcome;
  /** Suggestions ("did you mean") offered from another domain. */
  irrelevantSuggestion: boolean;
  got?: string;
}

/** A blind set's questions: each with its domain, and `also` a second domain a lawyer could take first. */
export function readBlindQuestions(path = BLIND_QUESTIONS): { q: string; domain: string; also?: string }[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { q: string; domain: string; also?: string });
}

/** Every question is the first message of a conversation of its own, across every set judged in one process. */
let conversations = 0;

export async function judge(
  assistant: Assistant,
  rows: readonly { q: string; domain: string; first?: string }[],
): Promise<Judged[]> {
  const topicOfEntry = new Map(assistant.knowledge.map((e) => [e.id, e.topic]));
  const officeOf = new Map(loadDomains().list.map((d) => [d.id, d.office]));
  const topicOfPhrasing = new Map(assistant.knowledge.map((e) => [e.questions[0] ?? "", e.topic]));
  const out: Judged[] = [];
  for (const { q, domain, first } of rows) {
    const conversationId = `cli:knowledge-eval-${conversations++}`;
    // A follow-up is judged as the second message of its conversation, after the question it leans on.
    let before: string | undefined;
    if (first !== undefined) {
      const opened = await assistant.engine.handleMessage({ channel: "cli", conversationId, text: first });
      const a = opened.replies[0];
      before = a?.kind === "answer" ? topicOfEntry.get(a.answerId ?? "") : a?.referral?.domain;
    }
    const result = await assistant.engine.handleMessage({ channel: "cli", conversationId, text: q });
    const r = result.replies[0];
    let outcome: Outcome;
    let got: string | undefined;
    const suggested = (r?.buttons ?? [])
      .map((b) => topicOfPhrasing.get(b.payload))
      .filter((t) => t !== undefined);
    const irrelevantSuggestion = r?.kind === "unsure" && suggested.some((t) => t !== domain);
    // Someone asking where to find psychological help who is met by the support path (a counselor offered, the
    // hotlines) got what they asked for; anyone else sent there did not get their answer.
    if ((r?.kind === "crisis" || r?.kind === "distress") && domain === "mental_health_services")
      outcome = "answered";
    else if (r?.kind === "crisis" || r?.kind === "distress") outcome = "support";
    else if (r?.kind === "answer") {
      // An answer with no entry of its own is about the last one (在哪申请 after it): that answer's domain.
      got = r.answerId ? topicOfEntry.get(r.answerId) : before;
      outcome = got === domain ? "answered" : "wrong_answer";
    } else if (r?.kind === "referral" && r.office) {
      // Asked how to reach an office: helped when it is the office the question's domain goes to.
      got = r.office;
      outcome = officeOf.get(domain) === r.office ? "referred" : "wrong_referral";
    } else if (r?.kind === "referral") {
      got = r.referral?.domain;
      outcome = got === domain ? "referred" : domain === "none" ? "wrong_answer" : "wrong_referral";
    } else if (r?.kind === "complaint") outcome = "registration";
    else outcome = domain === "none" ? "honest" : "unsure";
    out.push({ q, domain, outcome, irrelevantSuggestion, ...(got ? { got } : {}) });
  }
  return out;
}
