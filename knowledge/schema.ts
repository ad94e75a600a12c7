import { z } from "zod";

export const Citation = z.object({
  law: z.string().min(2),
  // Cited only when the curator is sure of it; a wrong article number is worse than none.
  article: z
    .string()
    .regex(/^第[零一二三四五六七八九十百千]+条(之[一二三四五六七八九十])?(第[一二三四五六七八九十]+款)?$/)
    .optional(),
  note: z.string().optional(),
});

export const Contact = z.object({
  name: z.string().min(2),
  /** A kind of office in the dispatch catalogue: named as the citizen's own 旗县区 office when the place is known. */
  office: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
    .optional(),
  phone: z
    .string()
    .regex(/^\d{3,5}(-\d{7,8})?$/)
    .optional(),
});

export const Entry = z.object({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  topic: z.string().regex(/^[a-z_]+$/),
  /** Shown above the answer; entries written before titles existed show their first phrasing. */
  title: z.string().min(2).max(24).optional(),
  questions: z.array(z.string().min(3)).min(3),
  answer: z.string().min(40).max(600),
  citations: z.array(Citation).min(1),
  contact: z.array(Contact).min(1),
  region: z.enum(["national", "inner_mongolia"]),
  /** The usual situation is a grievance against an organisation: the answer offers to file it as a 诉求. */
  complaint: z.boolean().optional(),
  /**
   * For an entry about one group of people: words one of which the question must contain for the entry to answer
   * it (soldiers' marriages answer no divorce question that names no soldier, however well the rest matches).
   */
  requires: z.array(z.string().min(1)).min(1).optional(),
  /**
   * For an entry about children of an age (custody under two, from two): a question that states a child's age
   * outside [from, under) years is not answered with it (孩子三岁 is not the under-two rule).
   */
  childAge: z
    .object({ from: z.number().nonnegative().optional(), under: z.number().positive().optional() })
    .optional(),
  reviewed: z.union([z.string(), z.date()]).transform((d, ctx) => {
    const iso = typeof d === "string" ? d : d.toISOString().slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) {
      ctx.addIssue({ code: "custom", message: "reviewed must be a YYYY-MM-DD date" });
      return z.NEVER;
    }
    return iso;
  }),
});
export type KnowledgeEntry = z.infer<typeof Entry>;
export type Citation = z.infer<typeof Citation>;

export const EntryFile = z.array(Entry).min(1);
