import type { LoadedKnowledge } from "./load.js";

export interface CheckReport {
  ok: boolean;
  text: string;
}

const squash = (s: string) => s.replace(/[\s\p{P}\p{S}]/gu, "").toLowerCase();

/**
 * Curator's check: schema problems, phrasings shared by two entries, and entries none of whose own phrasings
 * ranks them first (a citizen could never reach them). `rankFirst` is the production ranking.
 */
export function checkKnowledge(
  loaded: LoadedKnowledge,
  rankFirst: (question: string) => string | undefined,
): CheckReport {
  const lines: string[] = [];
  const { entries, problems } = loaded;
  for (const p of problems) lines.push(`INVALID  ${p.file}: ${p.message}`);

  const owners = new Map<string, string[]>();
  for (const e of entries)
    for (const q of e.questions) owners.set(squash(q), [...(owners.get(squash(q)) ?? []), e.id]);
  const duplicates = [...owners.entries()].filter(([, ids]) => ids.length > 1);
  for (const [q, ids] of duplicates)
    lines.push(`DUPLICATE phrasing "${q}" in ${[...new Set(ids)].join(", ")}`);

  let unreachable = 0;
  let missed = 0;
  let total = 0;
  for (const e of entries) {
    let reached = false;
    for (const q of e.questions) {
      total++;
      const first = rankFirst(q);
      if (first === e.id) reached = true;
      else missed++;
    }
    if (!reached) {
      unreachable++;
      lines.push(`UNREACHABLE ${e.id}: none of its ${e.questions.length} phrasings retrieves it first`);
    }
  }
  const topics = new Set(entries.map((e) => e.topic));
  lines.push(
    "",
    `${entries.length} entries in ${topics.size} topics; ${problems.length} invalid, ${duplicates.length} duplicate phrasings, ${unreachable} unreachable entries`,
    `${total - missed} of ${total} phrasings retrieve their own entry first (${((100 * (total - missed)) / Math.max(1, total)).toFixed(1)}%)`,
  );
  return {
    ok: problems.length === 0 && duplicates.length === 0 && unreachable === 0,
    text: `${lines.join("\n")}\n`,
  };
}
