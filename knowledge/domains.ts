import { readFileSync } from "node:fs";
import { z } from "zod";
import { cachedJson, parseYaml } from "../core/file-cache.js";
import { projectPath } from "../core/paths.js";

export const DEFAULT_DOMAINS = projectPath("knowledge", "domains.yaml");

const Domain = z
  .object({
    id: z.string().regex(/^[a-z_]+$/),
    label: z.string().min(2),
    /** The kind of office (dispatch catalogue) a citizen of the domain usually goes to. */
    office: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
    /** Where to go, in a sentence a citizen can act on. */
    where: z.string().min(6),
    hotline: z.object({ name: z.string().min(2), phone: z.string().regex(/^\d{3,6}$/) }).optional(),
    /** Exact titles in the statute corpus: the referral card's articles come from these. */
    laws: z.array(z.string().min(2)).min(1),
    /** Questions here are usually grievances against an organisation: answers offer to file them as 诉求. */
    grievance: z.boolean().optional(),
    limitation: z.object({ years: z.number().positive(), text: z.string().min(10) }).optional(),
    /**
     * Words that name the domain's matter and hardly any other's (工伤, 宅基地, 抚养费): each tips a close call
     * toward the domain when the classifier, spread over forty domains, is unsure.
     */
    terms: z.array(z.string().min(2)).optional(),
  })
  .strict();
export type Domain = z.infer<typeof Domain>;

export interface Domains {
  readonly list: readonly Domain[];
  get(id: string): Domain | undefined;
  label(id: string): string | undefined;
  /** Ids of the domains whose terms occur in the text (each once, in order of first occurrence). */
  termsIn(text: string): string[];
}

export function loadDomains(path: string = DEFAULT_DOMAINS): Domains {
  const text = readFileSync(path, "utf8");
  const list = cachedJson("domains", [text], () => z.array(Domain).min(1).parse(parseYaml(text)));
  const byId = new Map(list.map((d) => [d.id, d]));
  if (byId.size !== list.length) throw new Error(`${path}: two domains share an id`);
  const withTerms = list.filter((d) => d.terms && d.terms.length > 0);
  const literal = (w: string) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // One pass over the text: a capture per domain, its terms as plain alternatives.
  const re = new RegExp(withTerms.map((d) => `(${(d.terms ?? []).map(literal).join("|")})`).join("|"), "g");
  const termsIn = (text: string): string[] => {
    if (withTerms.length === 0) return [];
    const found: string[] = [];
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      for (let g = 1; g < m.length; g++) {
        if (m[g] === undefined) continue;
        const id = (withTerms[g - 1] as Domain).id;
        if (!found.includes(id)) found.push(id);
        break;
      }
    }
    return found;
  };
  return { list, get: (id) => byId.get(id), label: (id) => byId.get(id)?.label, termsIn };
}
