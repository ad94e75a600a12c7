import { readFileSync } from "node:fs";
import { z } from "zod";
import { projectPath } from "../bot/paths.js";

const County = z.object({ name: z.string().min(2), aliases: z.array(z.string().min(2)).default([]) });
const League = z.object({
  name: z.string().min(2),
  aliases: z.array(z.string().min(2)).default([]),
  kind: z.string(),
  counties: z.array(County).min(1),
});
const PlacesFile = z.object({ version: z.string(), source: z.string(), leagues: z.array(League).length(12) });
export type PlacesData = z.infer<typeof PlacesFile>;

export interface PlaceMatch {
  /** The words as written by the citizen. */
  matched: string;
  league: string;
  /** Set when the citizen named a 旗县区 (the league is then inferred). */
  county?: string;
}

export interface PlaceGazetteer {
  readonly data: PlacesData;
  /** Places named in the text; pass `words` (the segmenter's output) whenever you have them. */
  find(text: string, words?: readonly string[]): PlaceMatch[];
  leagueOf(county: string): string | undefined;
}

export const DEFAULT_PLACES = projectPath("intents", "data", "places.json");

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function loadPlaces(path: string = DEFAULT_PLACES): PlaceGazetteer {
  const data = PlacesFile.parse(JSON.parse(readFileSync(path, "utf8")));
  const byName = new Map<string, Omit<PlaceMatch, "matched">>();
  const countyLeague = new Map<string, string>();
  for (const league of data.leagues) {
    for (const n of [league.name, ...league.aliases]) byName.set(n, { league: league.name });
    for (const county of league.counties) {
      countyLeague.set(county.name, league.name);
      for (const n of [county.name, ...county.aliases]) {
        // County names shared by two leagues would be ambiguous; keep the first and leave the league unresolved later.
        if (!byName.has(n)) byName.set(n, { league: league.name, county: county.name });
      }
    }
  }
  // Longest names first so that "鄂尔多斯市" wins over "鄂尔多斯" and "阿拉善左旗" over "阿拉善".
  const names = [...byName.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(names.map(escapeRegex).join("|"), "g");
  return {
    data,
    leagueOf: (county) => countyLeague.get(county),
    find(text, words) {
      const out: PlaceMatch[] = [];
      const seen = new Set<string>();
      // Every name is in the segmenter's user dictionary, so with words at hand a lookup per word finds them; it
      // also keeps "多伦" out of "多伦多". Without words, scan the text (longest names first).
      const candidates = words ?? [...text.matchAll(pattern)].map((m) => m[0]);
      for (const name of candidates) {
        const place = byName.get(name);
        if (!place) continue;
        const key = `${place.league}/${place.county ?? ""}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ matched: name, ...place });
      }
      if (out.length < 2) return out;
      // A league named alongside one of its counties adds nothing: keep the more precise match.
      return out.filter((p) => p.county !== undefined || !out.some((q) => q.county && q.league === p.league));
    },
  };
}
