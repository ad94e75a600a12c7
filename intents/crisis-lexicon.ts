/**
 * The crisis lexicon's schema (zod 4) and loading. Patterns are JavaScript regex sources without capturing groups:
 * the pattern set gives each group one capturing group of its own to learn which group matched.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { projectPath } from "../core/paths.js";
import { captureCount } from "./pattern-set.js";

export const DEFAULT_LEXICON_PATH = projectPath("intents", "data", "crisis-lexicon.json");

const patternSource = z
  .string()
  .min(1)
  .superRefine((source, ctx) => {
    let ok = true;
    try {
      if (captureCount(source) !== 0) {
        ctx.addIssue({ code: "custom", message: `pattern has capturing groups (use (?:...)): ${source}` });
        ok = false;
      }
    } catch (e) {
      ctx.addIssue({
        code: "custom",
        message: `pattern does not compile: ${source}: ${(e as Error).message}`,
      });
      ok = false;
    }
    if (ok && new RegExp(`^(?:${source})$`).test("")) {
      ctx.addIssue({ code: "custom", message: `pattern matches the empty string: ${source}` });
    }
  });

const groupId = z.string().regex(/^[a-z][a-z0-9-]*$/, "ids are lower-case kebab-case");
const comment = z.string().min(20, "say why the group exists, what it catches and what it must not");

const cueGroup = z.object({ id: groupId, comment, patterns: z.array(patternSource).min(1) });

export const CrisisLexiconSchema = z.object({
  version: z.string().min(1),
  comment: z.string(),
  risk: z
    .array(
      z.object({
        id: groupId,
        comment,
        level: z.enum(["distress", "high", "imminent"]),
        /** Default self. */
        kind: z.enum(["self", "others", "harmed"]).optional(),
        patterns: z.array(patternSource).min(1),
      }),
    )
    .min(1),
  neutral: z.array(
    z.object({
      id: groupId,
      comment,
      /** Prefix of the reason code when this group masks a span, e.g. "hyperbole". */
      reason: groupId,
      patterns: z.array(patternSource).min(1),
    }),
  ),
  cues: z.object({
    negationBefore: cueGroup.refine((g) => g.patterns.every((p) => p.endsWith("$")), {
      error: "negationBefore patterns are tested on the text before a hit and must end with $",
    }),
    negationAfter: cueGroup.refine((g) => g.patterns.every((p) => p.startsWith("^")), {
      error: "negationAfter patterns are tested on the text after a hit and must start with ^",
    }),
    pastBefore: cueGroup.refine((g) => g.patterns.every((p) => p.endsWith("$")), {
      error: "pastBefore patterns must end with $",
    }),
    pastAfter: cueGroup,
    completedAfter: cueGroup.refine((g) => g.patterns.every((p) => p.startsWith("^")), {
      error: "completedAfter patterns are tested on the text after a hit and must start with ^",
    }),
    completedBefore: cueGroup.refine((g) => g.patterns.every((p) => p.endsWith("$")), {
      error: "completedBefore patterns must end with $",
    }),
    escalation: cueGroup,
    report: cueGroup,
    reportingVerb: cueGroup,
    selfMention: cueGroup,
    knownMention: cueGroup,
    pronounMention: cueGroup,
    strangerMention: cueGroup,
    objectMarker: cueGroup,
    consoling: cueGroup,
  }),
  obfuscation: z.object({
    comment: z.string(),
    emoji: z.record(z.string(), z.string()),
    map: z.array(
      z.object({ pattern: patternSource, replace: z.string().min(1), comment: z.string().optional() }),
    ),
  }),
});

export type CrisisLexicon = z.infer<typeof CrisisLexiconSchema>;

export function loadCrisisLexicon(path: string = DEFAULT_LEXICON_PATH): CrisisLexicon {
  return CrisisLexiconSchema.parse(JSON.parse(readFileSync(path, "utf8")));
}

let cachedLexicon: CrisisLexicon | undefined;
/** The reviewed lexicon at DEFAULT_LEXICON_PATH, loaded once. */
export const defaultLexicon = (): CrisisLexicon => {
  cachedLexicon ??= loadCrisisLexicon();
  return cachedLexicon;
};
