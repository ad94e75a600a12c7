import { readFileSync } from "node:fs";
import { z } from "zod";
import { projectPath } from "../core/paths.js";
import { idIn, type Tokens, Vocabulary } from "./vocabulary.js";

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

/** A place as the citizen reads it: 包头市青山区, or the 盟市 alone. */
export const placeName = (p: { league: string; county?: string | undefined }): string =>
  `${p.league}${p.county ?? ""}`;

export interface PlaceGazetteer {
  readonly data: PlacesData;
  /** Places named in the text; pass `tokens` (the segmenter's output) whenever you have them. */
  find(text: string, tokens?: Tokens): PlaceMatch[];
  leagueOf(county: string): string | undefined;
}

export const DEFAULT_PLACES = projectPath("intents", "data", "places.json");

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * What follows a place name that makes it the name of a street or a building instead: the streets of Hohhot and
 * other cities are named after leagues and counties (锡林郭勒北路, 昭乌达路, 鄂尔多斯大街, 包头饭店).
 */
const STREET = "(?:[东南西北中]?(?:路|街|大街|大道|巷|胡同)|桥|广场|小区|花园|大厦|商场|饭店|宾馆|酒店)";
/** The next word, whole (包头/路, but not 包头/路灯: punctuation is not among the words). */
const STREET_WORD = new RegExp(`^${STREET}$`);
/** The text right after, when there are no words: a street, but not 路灯 or 路口. */
const STREET_TEXT = new RegExp(`^${STREET}(?![灯口边面上费])`);

/** `vocabulary`: the segmenter's, so that a message's words are looked up once for every stage. */
export function loadPlaces(
  path: string = DEFAULT_PLACES,
  vocabulary: Vocabulary = new Vocabulary(),
): PlaceGazetteer {
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
  const nameIds = names.map((name) => vocabulary.add(name));
  const placeOfWord: (Omit<PlaceMatch, "matched"> | undefined)[] = new Array(vocabulary.size);
  names.forEach((name, i) => {
    placeOfWord[nameIds[i] as number] = byName.get(name);
  });
  return {
    data,
    leagueOf: (county) => countyLeague.get(county),
    find(text, tokens) {
      const out: PlaceMatch[] = [];
      // Every name is in the segmenter's user dictionary, so with words at hand a lookup per word finds them; it
      // also keeps "多伦" out of "多伦多". Without words, scan the text (longest names first).
      const found: { name: string; place: Omit<PlaceMatch, "matched"> }[] = [];
      if (tokens) {
        for (let i = 0; i < tokens.words.length; i++) {
          const id = idIn(vocabulary, tokens, i);
          const place = id >= 0 && id < placeOfWord.length ? placeOfWord[id] : undefined;
          if (place && !STREET_WORD.test(tokens.words[i + 1] ?? ""))
            found.push({ name: tokens.words[i] as string, place });
        }
      } else {
        for (const m of text.matchAll(pattern)) {
          const place = byName.get(m[0]);
          const after = text.slice((m.index ?? 0) + m[0].length, (m.index ?? 0) + m[0].length + 3);
          if (place && !STREET_TEXT.test(after)) found.push({ name: m[0], place });
        }
      }
      if (found.length === 0) return out;
      const seen = new Set<string>();
      for (const { name, place } of found) {
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
