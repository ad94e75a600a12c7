import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { projectPath } from "../bot/paths.js";
import { EntryFile, type KnowledgeEntry } from "./schema.js";

export const DEFAULT_KNOWLEDGE_DIR = projectPath("knowledge", "entries");

export interface LoadProblem {
  file: string;
  message: string;
}

export interface LoadedKnowledge {
  entries: KnowledgeEntry[];
  problems: LoadProblem[];
}

/**
 * Reads every *.yaml file in the folder. A file that fails validation is reported, not half-loaded: a curated
 * answer with a broken citation must not reach a citizen.
 */
export function readKnowledge(dir: string = DEFAULT_KNOWLEDGE_DIR): LoadedKnowledge {
  const entries: KnowledgeEntry[] = [];
  const problems: LoadProblem[] = [];
  const ids = new Map<string, string>();
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    const file = join(dir, name);
    let raw: unknown;
    try {
      raw = parse(readFileSync(file, "utf8"));
    } catch (e) {
      problems.push({ file: name, message: `YAML: ${(e as Error).message}` });
      continue;
    }
    const parsed = EntryFile.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ file: name, message: `${issue.path.join(".")}: ${issue.message}` });
      }
      continue;
    }
    for (const entry of parsed.data) {
      const other = ids.get(entry.id);
      if (other) {
        problems.push({ file: name, message: `duplicate id ${entry.id} (also in ${other})` });
        continue;
      }
      ids.set(entry.id, name);
      entries.push(entry);
    }
  }
  return { entries, problems };
}

/** For start-up: refuse to run on a knowledge base with problems rather than serve part of it silently. */
export function loadKnowledge(dir: string = DEFAULT_KNOWLEDGE_DIR): KnowledgeEntry[] {
  const { entries, problems } = readKnowledge(dir);
  if (problems.length > 0) {
    const list = problems.map((p) => `  ${p.file}: ${p.message}`).join("\n");
    throw new Error(`knowledge base has ${problems.length} problem(s):\n${list}`);
  }
  if (entries.length === 0) throw new Error(`knowledge base at ${dir} is empty`);
  return entries;
}
