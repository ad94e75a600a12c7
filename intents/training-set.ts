import { readFileSync } from "node:fs";
import { z } from "zod";
import { projectPath } from "../core/paths.js";

export const META_INTENTS = [
  "greeting",
  "thanks",
  "goodbye",
  "ask_human",
  "case_status",
  "complaint",
  "subscribe",
  "unsubscribe",
  "help",
  "out_of_scope",
] as const;
export type MetaIntent = (typeof META_INTENTS)[number];

const TrainingFile = z.object({
  version: z.string(),
  intents: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z_]+$/),
        description: z.string(),
        examples: z.array(z.string().min(1)).min(40),
      }),
    )
    .min(25),
});
export type TrainingSet = z.infer<typeof TrainingFile>;

export const DEFAULT_TRAINING_SET = projectPath("intents", "data", "intents.json");

export function loadTrainingSet(path: string = DEFAULT_TRAINING_SET): TrainingSet {
  return TrainingFile.parse(JSON.parse(readFileSync(path, "utf8")));
}

/** Every fifth example of each intent is held out, so the split is stable across runs and edits elsewhere. */
export function splitHoldout(set: TrainingSet): {
  train: TrainingSet;
  heldOut: { text: string; label: string }[];
} {
  const heldOut: { text: string; label: string }[] = [];
  const intents = set.intents.map((i) => ({
    ...i,
    examples: i.examples.filter((text, n) => {
      if (n % 5 === 4) {
        heldOut.push({ text, label: i.name });
        return false;
      }
      return true;
    }),
  }));
  return { train: { ...set, intents }, heldOut };
}

/**
 * The classifier learns a label for every domain of the knowledge base from the curated phrasings (and titles) of
 * its entries, so that a new domain needs entries, not a second list of examples kept in step by hand.
 */
export function withKnowledgeExamples(
  set: TrainingSet,
  entries: readonly { topic: string; title?: string | undefined; questions: readonly string[] }[],
): TrainingSet {
  const intents = set.intents.map((i) => ({ ...i, examples: [...i.examples] }));
  // Each intent's examples so far, kept as they grow: a set built anew per entry made thousands of one-line
  // entries (the domain phrasings) cost a set of the whole intent each, about a tenth of start-up.
  const byName = new Map(intents.map((i) => [i.name, { intent: i, seen: new Set(i.examples) }]));
  for (const e of entries) {
    let target = byName.get(e.topic);
    if (!target) {
      const intent = { name: e.topic, description: `knowledge domain ${e.topic}`, examples: [] };
      target = { intent, seen: new Set() };
      byName.set(e.topic, target);
      intents.push(intent);
    }
    const { intent, seen } = target;
    for (const q of [...(e.title ? [e.title] : []), ...e.questions])
      if (!seen.has(q)) {
        seen.add(q);
        intent.examples.push(q);
      }
  }
  return { ...set, intents };
}

/**
 * Everyday phrasings of each knowledge domain, written by authors who saw neither the knowledge base nor any test
 * set (colloquial, regional, with typos): `{"text", "domain"}` lines, `none` meaning not a legal question at all.
 * d: more sub-situations per domain (a step-child's inheritance, a debtor hiding assets, being ordered to break a
 * safety rule); e: messages that are no legal question though they use legal words (a drama's divorce case, an
 * Excel overtime formula, 工伤 in English).
 */
export const DEFAULT_DOMAIN_TRAINING = ["a", "b", "c", "d", "e"].map((part) =>
  projectPath("intents", "data", `domain-training-${part}.jsonl`),
);

const DomainLine = z.object({ text: z.string().min(1), domain: z.string().regex(/^[a-z_]+$/) });

export function withDomainPhrasings(
  set: TrainingSet,
  files: readonly string[] = DEFAULT_DOMAIN_TRAINING,
): TrainingSet {
  const lines = files.flatMap((f) =>
    readFileSync(f, "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => DomainLine.parse(JSON.parse(l))),
  );
  return withKnowledgeExamples(
    set,
    lines.map((l) => ({ topic: l.domain === "none" ? "out_of_scope" : l.domain, questions: [l.text] })),
  );
}
