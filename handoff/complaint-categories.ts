import { readFileSync } from "node:fs";
import { z } from "zod";
import { AppError } from "../core/app-error.js";
import { projectPath } from "../core/paths.js";

/**
 * Complaint (诉求) categories: how a citizen's text is recognised, which kind of department is responsible, and
 * the time limits of 受理 and 办理, each with the text it comes from. Limits marked `statutory: false` are service
 * commitments (示例), not law; the data file says so in every such `basis`.
 */

const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const Counting = z.enum(["calendar", "working"]);

const RegexSource = z.string().refine(
  (s) => {
    try {
      new RegExp(s, "u");
      return s.length > 0;
    } catch {
      return false;
    }
  },
  { message: "not a valid regular expression" },
);

const Limits = z
  .object({
    /** Days to tell the citizen whether the case is accepted (受理告知). */
    acceptDays: z.number().int().min(0),
    acceptCounting: Counting,
    /** Days to handle and answer (办结), counted from acceptance. */
    handleDays: z.number().int().min(1),
    handleCounting: Counting,
    /** Longest single extension (延期), same counting as handling; 0 when none is allowed. */
    extensionDays: z.number().int().min(0),
    /** Handling limit of an urgent case, counted from registration. */
    urgentHandleDays: z.number().int().min(1).optional(),
    /** "continuous" = N × 24 hours, not moved by holidays (duty staff handle it). Default "continuous". */
    urgentHandleCounting: z.enum(["continuous", "calendar", "working"]).optional(),
    /** A shorter handling limit for cases registered within `days` days before the named holiday. */
    urgentBefore: z
      .object({
        holiday: z.string().min(2),
        days: z.number().int().min(1).max(120),
        handleDays: z.number().int().min(1),
        handleCounting: Counting,
        basis: z.string().min(4),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The first-level families of the 12345 classification (named exactly as there), for reporting. */
export const COMPLAINT_FAMILIES = [
  "城乡建设",
  "环境保护",
  "交通运输",
  "教育文体",
  "劳动和社会保障",
  "商贸旅游",
  "卫生计生",
  "农村农业",
  "国土资源",
  "民政",
  "政法",
  "党务政务",
  "经济管理",
  "科技与信息产业",
  "纪检监察",
] as const;

const Category = z
  .object({
    id: z.string().regex(KEBAB),
    label: z.string().min(2),
    family: z.enum(COMPLAINT_FAMILIES),
    /** Intents of the classifier (intents/data/intents.json) that mean this category. */
    intents: z.array(z.string().min(2)),
    /** Regular-expression sources (a plain Chinese word is one); each distinct hit adds 1 to the score. */
    keywords: z.array(RegexSource).min(1),
    /** When present, a case of an urgent category is urgent only if one of these matches. */
    urgentKeywords: z.array(RegexSource).optional(),
    /** Department kind id (handoff/data/dispatch-catalogue.json). */
    responsible: z.string().regex(KEBAB),
    urgent: z.boolean(),
    /** True when the limits come from the law or regulation cited in `basis`; false for service commitments. */
    statutory: z.boolean(),
    limits: Limits,
    basis: z.string().min(20),
  })
  .strict();
export type ComplaintCategory = z.infer<typeof Category>;

export const FALLBACK_CATEGORY = "other";

const CategoriesFile = z
  .object({
    version: z.string(),
    notice: z.string().optional(),
    categories: z.array(Category).min(10),
  })
  .strict()
  .superRefine((file, ctx) => {
    const ids = new Set<string>();
    const intents = new Map<string, string>();
    for (const c of file.categories) {
      if (ids.has(c.id)) ctx.addIssue({ code: "custom", message: `duplicate category id ${c.id}` });
      ids.add(c.id);
      for (const i of c.intents) {
        const other = intents.get(i);
        if (other)
          ctx.addIssue({ code: "custom", message: `intent ${i} mapped to both ${other} and ${c.id}` });
        intents.set(i, c.id);
      }
      if (!c.statutory && !/服务承诺/.test(c.basis)) {
        ctx.addIssue({
          code: "custom",
          message: `${c.id}: a non-statutory limit must say 服务承诺 in its basis`,
        });
      }
    }
    if (!ids.has(FALLBACK_CATEGORY)) {
      ctx.addIssue({ code: "custom", message: `the fallback category "${FALLBACK_CATEGORY}" is missing` });
    }
  });

export interface InferredCategory {
  category: ComplaintCategory;
  /** Distinct keyword hits, plus INTENT_WEIGHT when the classifier's intent maps to the category. */
  score: number;
  /** The words of the text that matched, in keyword order. */
  matched: string[];
  /** Which of the category's keywords matched, as indices into `keywords`, in the order of `matched`. */
  hits: number[];
  byIntent: boolean;
  /** The category is urgent and, when it has urgency keywords, one of them matched. */
  urgent: boolean;
}

export interface ComplaintCatalogue {
  readonly version: string;
  readonly categories: readonly ComplaintCategory[];
  byId(id: string): ComplaintCategory | undefined;
  /** Like byId, but an unknown id is an error. */
  get(id: string): ComplaintCategory;
  forIntent(intent: string): ComplaintCategory | undefined;
  infer(text: string, intent?: string): InferredCategory[];
}

/** An intent is one strong signal; two distinct keyword hits weigh as much. */
export const INTENT_WEIGHT = 2;

export const DEFAULT_COMPLAINT_CATEGORIES = projectPath("handoff", "data", "complaint-categories.json");

const prepare = (text: string): string => text.normalize("NFKC").toLowerCase().replace(/\s+/g, "");

export function loadComplaintCategories(path: string = DEFAULT_COMPLAINT_CATEGORIES): ComplaintCatalogue {
  const data = CategoriesFile.parse(JSON.parse(readFileSync(path, "utf8")));
  const compiled = data.categories.map((category) => ({
    category,
    keywords: category.keywords.map((k) => new RegExp(k, "u")),
    urgentKeywords: (category.urgentKeywords ?? []).map((k) => new RegExp(k, "u")),
  }));
  const byId = new Map(data.categories.map((c) => [c.id, c] as const));
  const byIntent = new Map<string, ComplaintCategory>();
  for (const c of data.categories) for (const i of c.intents) byIntent.set(i, c);

  return {
    version: data.version,
    categories: data.categories,
    byId: (id) => byId.get(id),
    get(id) {
      const c = byId.get(id);
      if (!c) throw new AppError("not_found", `未知的诉求类别 "${id}"`);
      return c;
    },
    forIntent: (intent) => byIntent.get(intent),
    infer(text, intent) {
      const t = prepare(text);
      const scored: InferredCategory[] = [];
      let fallback: InferredCategory | undefined;
      for (const { category, keywords, urgentKeywords } of compiled) {
        const matched: string[] = [];
        const hits: number[] = [];
        for (let i = 0; i < keywords.length; i++) {
          const m = (keywords[i] as RegExp).exec(t);
          if (m) {
            matched.push(m[0]);
            hits.push(i);
          }
        }
        const viaIntent = intent !== undefined && category.intents.includes(intent);
        const score = matched.length + (viaIntent ? INTENT_WEIGHT : 0);
        const urgent =
          category.urgent && (urgentKeywords.length === 0 || urgentKeywords.some((re) => re.test(t)));
        const result = { category, score, matched, hits, byIntent: viaIntent, urgent };
        if (category.id === FALLBACK_CATEGORY) fallback = result;
        else if (score > 0) scored.push(result);
      }
      // Highest score first; ties keep the catalogue's order (more specific categories are listed first).
      scored.sort((a, b) => b.score - a.score);
      if (scored.length > 0) return scored;
      // Nothing specific: the catch-all (required by the schema), so that every complaint has somewhere to go.
      return fallback ? [fallback] : [];
    },
  };
}

let defaultCatalogue: ComplaintCatalogue | undefined;

/** The catalogue in handoff/data/complaint-categories.json, loaded on first use. */
export function complaintCategories(): ComplaintCatalogue {
  defaultCatalogue ??= loadComplaintCategories();
  return defaultCatalogue;
}

/**
 * The categories a complaint text may belong to, best first, from keyword hits and the classifier's intent; never
 * empty (the catch-all "other" when nothing matches). The text is expected already normalised (simplified
 * Chinese) by the engine; full-width characters and spaces are handled here.
 */
export const inferCategory = (text: string, intent?: string): InferredCategory[] =>
  complaintCategories().infer(text, intent);

export const complaintCategoryById = (id: string): ComplaintCategory | undefined =>
  complaintCategories().byId(id);
