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
  })
  .strict();
export type Domain = z.infer<typeof Domain>;

export interface Domains {
  readonly list: readonly Domain[];
  get(id: string): Domain | undefined;
  label(id: string): string | undefined;
}

export function loadDomains(path: string = DEFAULT_DOMAINS): Domains {
  const text = readFileSync(path, "utf8");
  const list = cachedJson("domains", [text], () => z.array(Domain).min(1).parse(parseYaml(text)));
  const byId = new Map(list.map((d) => [d.id, d]));
  if (byId.size !== list.length) throw new Error(`${path}: two domains share an id`);
  return { list, get: (id) => byId.get(id), label: (id) => byId.get(id)?.label };
}
