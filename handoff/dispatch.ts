import { readFileSync } from "node:fs";
import { z } from "zod";
import { AppError } from "../core/app-error.js";
import { cachedJson, moduleText } from "../core/file-cache.js";
import { projectPath } from "../core/paths.js";

/**
 * The dispatch catalogue (派单目录): which department handles a complaint of a category in a place. Rules map a
 * category and a level (旗县区 / 盟市 / 自治区) to a department kind; the departments themselves are listed one by
 * one in handoff/data/dispatch-catalogue.json so that a region can rename, add or remove them. Routing follows
 * 属地管理、分级负责: the county when known, else the league, else the autonomous region's catch-all with a
 * request for the place; when a level has no department of the kind (no county 12345, mediation committees at
 * league level), the case goes up one level.
 */

export type Level = "county" | "league" | "region";
const LEVELS: readonly Level[] = ["county", "league", "region"];
const LEVEL_NAME: Record<Level, string> = { county: "旗县区", league: "盟市", region: "自治区" };

const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const KindId = z.string().regex(KEBAB);

const Kind = z
  .object({
    id: KindId,
    label: z.string().min(2),
    /** A national service number of this kind of department (12345, 12315...), not a local phone. */
    hotline: z
      .string()
      .regex(/^\d{3,6}$/)
      .optional(),
    /** Name templates ({league}, {county}); `district` is used for 市辖区. A missing level means none exists. */
    templates: z
      .object({
        county: z.string().optional(),
        district: z.string().optional(),
        league: z.string().optional(),
        region: z.string().optional(),
      })
      .strict(),
  })
  .strict();

const Department = z
  .object({
    id: z.string().min(3),
    name: z.string().min(2),
    kind: KindId,
    level: z.enum(["county", "league", "region"]),
    league: z.string().min(2).optional(),
    county: z.string().min(2).optional(),
    /** Only a verified local number; never guessed. */
    phone: z
      .string()
      .regex(/^[0-9-]{3,20}$/)
      .optional(),
  })
  .strict();
export type Department = z.infer<typeof Department>;

const PerLevel = z
  .object({ county: KindId.optional(), league: KindId.optional(), region: KindId.optional() })
  .strict();

const Rule = z
  .object({
    category: z.string().regex(KEBAB),
    kinds: PerLevel,
    /** Other kinds the citizen can also turn to, or that co-handle (shown with the route). */
    also: z.array(KindId).optional(),
    why: z.string().min(4),
  })
  .strict();

const CatalogueFile = z
  .object({
    version: z.string(),
    sample: z.boolean(),
    notice: z.string(),
    description: z.string().optional(),
    region: z.string().min(2),
    kinds: z.array(Kind).min(1),
    defaults: z.object({ county: KindId, league: KindId, region: KindId, why: z.string().min(4) }).strict(),
    unknownPlace: z
      .object({ kind: KindId, byCategory: z.record(z.string(), KindId), why: z.string().min(4) })
      .strict(),
    rules: z.array(Rule),
    departments: z.array(Department).min(1),
  })
  .strict()
  .superRefine((file, ctx) => {
    const kinds = new Set(file.kinds.map((k) => k.id));
    const issue = (message: string) => ctx.addIssue({ code: "custom", message });
    const used = [
      file.defaults.county,
      file.defaults.league,
      file.defaults.region,
      file.unknownPlace.kind,
      ...Object.values(file.unknownPlace.byCategory),
      ...file.rules.flatMap((r) => [...Object.values(r.kinds), ...(r.also ?? [])]),
    ];
    for (const k of used) if (k && !kinds.has(k)) issue(`unknown department kind ${k}`);
    const categories = new Set<string>();
    for (const r of file.rules) {
      if (categories.has(r.category)) issue(`two rules for category ${r.category}`);
      categories.add(r.category);
    }
    const ids = new Set<string>();
    for (const d of file.departments) {
      if (ids.has(d.id)) issue(`duplicate department id ${d.id}`);
      ids.add(d.id);
      if (!kinds.has(d.kind)) issue(`${d.id}: unknown kind ${d.kind}`);
      const where = d.level === "county" ? d.county : d.level === "league" ? d.league : file.region;
      if (!where || d.id !== `${where}/${d.kind}`) issue(`${d.id}: id must be "<place>/<kind>" of its level`);
      if (d.level === "county" && !d.league) issue(`${d.id}: a county department needs its league`);
      if (d.level === "region" && (d.league || d.county)) issue(`${d.id}: a region department has no league`);
    }
    for (const k of [file.unknownPlace.kind, ...Object.values(file.unknownPlace.byCategory)]) {
      if (!ids.has(`${file.region}/${k}`))
        issue(`no region-level department of kind ${k} for unknown places`);
    }
  });
export type DispatchData = z.infer<typeof CatalogueFile>;

export interface Place {
  league?: string;
  county?: string;
}

export interface RoutedDepartment {
  /** Stable id, e.g. "准格尔旗/natural-resources". */
  departmentId: string;
  name: string;
  level: Level;
  kind: string;
}

export interface Route extends RoutedDepartment {
  /** Why this department, in Chinese: the rule, the place used, and any fallback. */
  rule: string;
  /** True when the place was not known: the case sits at the regional catch-all until the citizen says where. */
  needsPlace: boolean;
  /** Resolved place used for routing (names from places.json). */
  place: { league?: string; county?: string };
  /** Departments the citizen can also turn to, or that co-handle. */
  also: RoutedDepartment[];
  /** National service number of the department kind, when there is one. */
  hotline?: string;
  /** The catalogue is sample data until a region replaces it. */
  sample: boolean;
}

export interface DepartmentFilter {
  league?: string;
  county?: string;
  kind?: string;
  level?: Level;
}

export interface DispatchCatalogue {
  readonly data: DispatchData;
  route(categoryId: string, place?: Place): Route;
  listDepartments(filter?: DepartmentFilter): Department[];
  departmentById(id: string): Department | undefined;
  /**
   * The name of the office of `kind` serving the place (the 旗县区 one when the county is known), for telling a
   * citizen where to go; undefined when the place is unknown or the kind has no office at that level.
   */
  officeName(kind: string, place: Place): string | undefined;
  /**
   * Departments whose name or id holds the query, shortest names first; when none does, those sharing the most of
   * its characters (「准格尔旗人社局」 finds 准格尔旗人力资源和社会保障局).
   */
  searchDepartments(query: string, limit?: number): Department[];
}

export const DEFAULT_DISPATCH_CATALOGUE = projectPath("handoff", "data", "dispatch-catalogue.json");
export const DEFAULT_PLACES_FILE = projectPath("intents", "data", "places.json");

const PlacesFile = z.object({
  leagues: z.array(
    z.object({
      name: z.string(),
      aliases: z.array(z.string()).default([]),
      counties: z.array(z.object({ name: z.string(), aliases: z.array(z.string()).default([]) })),
    }),
  ),
});

interface Gazetteer {
  league(name: string): string | undefined;
  county(name: string): { league: string; county: string } | undefined;
}

function gazetteer(placesPath: string): Gazetteer {
  const data = PlacesFile.parse(JSON.parse(readFileSync(placesPath, "utf8")));
  const leagues = new Map<string, string>();
  const counties = new Map<string, { league: string; county: string }>();
  for (const l of data.leagues) {
    for (const n of [l.name, ...l.aliases]) leagues.set(n, l.name);
    for (const c of l.counties) {
      for (const n of [c.name, ...c.aliases]) {
        if (!counties.has(n)) counties.set(n, { league: l.name, county: c.name });
      }
    }
  }
  return { league: (n) => leagues.get(n.trim()), county: (n) => counties.get(n.trim()) };
}

export function loadDispatchCatalogue(
  path: string = DEFAULT_DISPATCH_CATALOGUE,
  placesPath: string = DEFAULT_PLACES_FILE,
): DispatchCatalogue {
  const text = readFileSync(path, "utf8");
  // Validating 1,766 departments with zod costs about 60 ms; the validated catalogue is cached by file and code.
  const data = cachedJson("dispatch-catalogue", [moduleText("./dispatch.js", import.meta.url), text], () =>
    CatalogueFile.parse(JSON.parse(text)),
  );
  const places = gazetteer(placesPath);
  const byId = new Map(data.departments.map((d) => [d.id, d] as const));
  const kinds = new Map(data.kinds.map((k) => [k.id, k] as const));
  const rules = new Map(data.rules.map((r) => [r.category, r] as const));

  const placeName = (level: Level, league?: string, county?: string): string =>
    level === "county" ? (county ?? "") : level === "league" ? (league ?? "") : data.region;

  /** The department of `kind` at `level` for the place, going up a level when there is none. */
  function find(kind: string, level: Level, league?: string, county?: string): Department | undefined {
    for (const at of LEVELS.slice(LEVELS.indexOf(level))) {
      const dept = byId.get(`${placeName(at, league, county)}/${kind}`);
      if (dept) return dept;
    }
    return undefined;
  }

  const summary = (d: Department): RoutedDepartment => ({
    departmentId: d.id,
    name: d.name,
    level: d.level,
    kind: d.kind,
  });

  function route(categoryId: string, place: Place = {}): Route {
    const notes: string[] = [];
    let league: string | undefined;
    let county: string | undefined;
    if (place.county) {
      const c = places.county(place.county);
      if (c) {
        ({ league, county } = c);
        if (place.league && places.league(place.league) !== c.league) {
          notes.push(`${c.county}属于${c.league}，已按旗县区纠正所填盟市“${place.league}”`);
        }
      } else notes.push(`未识别的旗县区“${place.county}”`);
    }
    if (!league && place.league) {
      league = places.league(place.league);
      if (!league) notes.push(`未识别的盟市“${place.league}”`);
    }

    const rule = rules.get(categoryId);
    const why = rule ? rule.why : `类别“${categoryId}”无专门派单规则，${data.defaults.why}`;

    let level: Level;
    let kind: string;
    let needsPlace = false;
    if (county) {
      level = "county";
      kind = rule?.kinds.county ?? data.defaults.county;
      notes.push(`属地：${league}${county}`);
    } else if (league) {
      level = "league";
      kind = rule?.kinds.league ?? data.defaults.league;
      notes.push(`只知盟市（${league}），派至盟市级，由其转派所属旗县区`);
    } else {
      level = "region";
      kind = data.unknownPlace.byCategory[categoryId] ?? data.unknownPlace.kind;
      needsPlace = true;
      notes.push(data.unknownPlace.why);
    }

    const dept = find(kind, level, league, county);
    if (!dept) {
      throw new AppError(
        "unavailable",
        `派单目录中没有可用的“${kind}”部门（${league ?? ""}${county ?? ""}）`,
      );
    }
    if (dept.level !== level) {
      const kindLabel = kinds.get(kind)?.label ?? kind;
      notes.push(`${LEVEL_NAME[level]}未设${kindLabel}部门，上送${LEVEL_NAME[dept.level]}`);
    }

    const seen = new Set([dept.id]);
    const also: RoutedDepartment[] = [];
    if (!needsPlace) {
      for (const k of rule?.also ?? []) {
        const d = find(k, level, league, county);
        if (d && !seen.has(d.id)) {
          seen.add(d.id);
          also.push(summary(d));
        }
      }
    }

    const placeOut: { league?: string; county?: string } = {};
    if (league) placeOut.league = league;
    if (county) placeOut.county = county;
    const out: Route = {
      ...summary(dept),
      rule: [why, ...notes].join("；"),
      needsPlace,
      place: placeOut,
      also,
      sample: data.sample,
    };
    const hotline = kinds.get(dept.kind)?.hotline;
    if (hotline) out.hotline = hotline;
    return out;
  }

  function officeName(kind: string, place: Place): string | undefined {
    const c = place.county ? places.county(place.county) : undefined;
    const league = c?.league ?? (place.league ? places.league(place.league) : undefined);
    if (!league) return undefined;
    const level: Level = c ? "county" : "league";
    const dept = find(kind, level, league, c?.county);
    if (dept) return dept.name;
    const templates = kinds.get(kind)?.templates;
    if (!templates) return undefined;
    const county = c?.county;
    const template = county
      ? ((county.endsWith("区") ? templates.district : undefined) ?? templates.county ?? templates.league)
      : templates.league;
    return template?.replaceAll("{league}", league).replaceAll("{county}", county ?? "");
  }

  function searchDepartments(query: string, limit = 20): Department[] {
    const q = query.trim();
    if (q === "") return [];
    const direct = data.departments
      .filter((d) => d.name.includes(q) || d.id.includes(q))
      .sort((a, b) => a.name.length - b.name.length);
    if (direct.length > 0) return direct.slice(0, limit);
    const chars = [...new Set(q)];
    return data.departments
      .map((d) => ({ d, hits: chars.filter((c) => d.name.includes(c)).length }))
      .filter((x) => x.hits >= Math.min(2, chars.length))
      .sort((a, b) => b.hits - a.hits || a.d.name.length - b.d.name.length)
      .slice(0, limit)
      .map((x) => x.d);
  }

  return {
    data,
    route,
    officeName,
    searchDepartments,
    departmentById: (id) => byId.get(id),
    listDepartments(filter = {}) {
      return data.departments.filter(
        (d) =>
          (filter.kind === undefined || d.kind === filter.kind) &&
          (filter.level === undefined || d.level === filter.level) &&
          (filter.league === undefined || d.league === filter.league) &&
          (filter.county === undefined || d.county === filter.county),
      );
    },
  };
}

let defaultCatalogue: DispatchCatalogue | undefined;

/** The catalogue in handoff/data/dispatch-catalogue.json, loaded on first use. */
export function dispatchCatalogue(): DispatchCatalogue {
  defaultCatalogue ??= loadDispatchCatalogue();
  return defaultCatalogue;
}

/** Where a complaint of `categoryId` in `place` goes; see the module comment for the fallbacks. */
export const route = (categoryId: string, place: Place = {}): Route =>
  dispatchCatalogue().route(categoryId, place);

export const listDepartments = (filter?: DepartmentFilter): Department[] =>
  dispatchCatalogue().listDepartments(filter);

export const departmentById = (id: string): Department | undefined => dispatchCatalogue().departmentById(id);
