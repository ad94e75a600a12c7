import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cachedJson, moduleText, parseYaml } from "../core/file-cache.js";
import { projectPath } from "../core/paths.js";
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
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), "utf8") }));
  // Parsing YAML costs a few hundred milliseconds of start-up; the validated result is cached under a hash of
  // every file's text and of the schema module, so any edit is read and validated again.
  const schema = moduleText("./schema.js", import.meta.url);
  return cachedJson("knowledge", [schema, ...files.flatMap((f) => [f.name, f.text])], () => validate(files));
}

function validate(files: readonly { name: string; text: string }[]): LoadedKnowledge {
  const entries: KnowledgeEntry[] = [];
  const problems: LoadProblem[] = [];
  const ids = new Map<string, string>();
  for (const { name, text } of files) {
    let raw: unknown;
    try {
      raw = parseYaml(text);
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
