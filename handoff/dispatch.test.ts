import { describe, expect, it } from "vitest";
import { loadPlaces } from "../intents/places.js";
import { complaintCategories } from "./complaint-categories.js";
import { departmentById, dispatchCatalogue, listDepartments, route } from "./dispatch.js";

const places = loadPlaces().data;
const { data } = dispatchCatalogue();
const categories = complaintCategories().categories;

describe("dispatch catalogue (data)", () => {
  it("is marked as sample data for regions to replace", () => {
    expect(data.sample).toBe(true);
    expect(data.notice).toBe("示例数据：各地请替换为本地实际派单目录");
  });

  it("lists concrete departments for all 12 盟市 and all 103 旗县区", () => {
    const leagues = new Set(listDepartments({ level: "league" }).map((d) => d.league));
    const counties = new Set(listDepartments({ level: "county" }).map((d) => d.county));
    expect(leagues.size).toBe(12);
    expect(counties.size).toBe(103);
    for (const l of places.leagues) {
      expect(leagues.has(l.name)).toBe(true);
      for (const c of l.counties) {
        expect(counties.has(c.name), c.name).toBe(true);
        for (const d of listDepartments({ county: c.name })) expect(d.league).toBe(l.name);
      }
    }
  });

  it("invents no phone numbers", () => {
    expect(data.departments.filter((d) => d.phone !== undefined)).toEqual([]);
  });

  it("has a rule for every category, consistent with the category's responsible kind", () => {
    const kinds = new Set(data.kinds.map((k) => k.id));
    for (const c of categories) {
      expect(kinds.has(c.responsible), c.id).toBe(true);
      const rule = data.rules.find((r) => r.category === c.id);
      expect(rule, c.id).toBeDefined();
      expect(rule?.kinds.county, c.id).toBe(c.responsible);
    }
  });

  it("names departments from the places (district branches for 市辖区)", () => {
    expect(departmentById("准格尔旗/ecology-environment")?.name).toBe("鄂尔多斯市生态环境局准格尔旗分局");
    expect(departmentById("红山区/public-security")?.name).toBe("赤峰市公安局红山区分局");
    expect(departmentById("准格尔旗/public-security")?.name).toBe("准格尔旗公安局");
    expect(departmentById("内蒙古自治区/petition-bureau")?.name).toBe("内蒙古自治区信访局");
    expect(departmentById("nowhere/petition-bureau")).toBeUndefined();
  });
});

describe("route", () => {
  it("land expropriation in 准格尔旗 → 准格尔旗自然资源局", () => {
    const r = route("land-expropriation", { county: "准格尔旗" });
    expect(r).toMatchObject({
      departmentId: "准格尔旗/natural-resources",
      name: "准格尔旗自然资源局",
      level: "county",
      kind: "natural-resources",
      needsPlace: false,
      place: { league: "鄂尔多斯市", county: "准格尔旗" },
      sample: true,
    });
    expect(r.rule).toMatch(/自然资源/);
    expect(r.also.map((a) => a.name)).toContain("准格尔旗信访局");
  });

  it("accepts the everyday names of places", () => {
    expect(route("land-expropriation", { county: "准旗" }).departmentId).toBe("准格尔旗/natural-resources");
    expect(route("petition", { league: "呼市" }).departmentId).toBe("呼和浩特市/petition-bureau");
  });

  it("wage arrears in 赤峰市 (league only) → the league's labour inspection", () => {
    const r = route("wage-arrears", { league: "赤峰市" });
    expect(r.level).toBe("league");
    expect(r.kind).toBe("hrss-labour-inspection");
    expect(r.name).toBe("赤峰市人力资源和社会保障局劳动保障监察支队");
    expect(r.rule).toMatch(/只知盟市/);
    expect(r.hotline).toBe("12333");
  });

  it("medical dispute → health commission, with the medical mediation committee alongside", () => {
    const r = route("medical-dispute", { county: "红山区" });
    expect(r.name).toMatch(/卫生健康委员会|医疗纠纷人民调解委员会/);
    expect(r.name).toBe("红山区卫生健康委员会");
    // Mediation committees sit at league level: the county case points up to 赤峰市's.
    expect(r.also).toContainEqual({
      departmentId: "赤峰市/medical-mediation-committee",
      name: "赤峰市医疗纠纷人民调解委员会",
      level: "league",
      kind: "medical-mediation-committee",
    });
  });

  it("petition → 信访局 at every level", () => {
    expect(route("petition", { county: "海拉尔区" }).name).toBe("海拉尔区信访局");
    expect(route("petition", { league: "兴安盟" }).name).toBe("兴安盟信访局");
    expect(route("petition").name).toBe("内蒙古自治区信访局");
  });

  it("unknown place → the region's catch-all, saying the place is needed", () => {
    const r = route("land-expropriation", {});
    expect(r).toMatchObject({
      level: "region",
      needsPlace: true,
      departmentId: "内蒙古自治区/12345-hotline",
    });
    expect(r.rule).toMatch(/需要补充所在地/);
    expect(r.also).toEqual([]);
    const unknownCounty = route("wage-arrears", { county: "火星县" });
    expect(unknownCounty.needsPlace).toBe(true);
    expect(unknownCounty.rule).toMatch(/未识别的旗县区“火星县”/);
  });

  it("a county with the wrong league is routed by the county, and says so", () => {
    const r = route("environment", { league: "包头市", county: "准格尔旗" });
    expect(r.departmentId).toBe("准格尔旗/ecology-environment");
    expect(r.rule).toMatch(/准格尔旗属于鄂尔多斯市/);
  });

  it("goes up a level when the county has no department of the kind", () => {
    const r = route("other", { county: "准格尔旗" });
    expect(r).toMatchObject({ level: "league", departmentId: "鄂尔多斯市/12345-hotline" });
    expect(r.rule).toMatch(/上送盟市/);
  });

  it("unknown categories fall back to the defaults", () => {
    const r = route("no-such-category", { county: "准格尔旗" });
    expect(r.kind).toBe(data.defaults.county);
    expect(r.rule).toMatch(/无专门派单规则/);
  });

  it("every 旗县区 in places.json has a department for every category", () => {
    const countyKinds = new Set(data.kinds.filter((k) => k.templates.county).map((k) => k.id));
    let checked = 0;
    for (const l of places.leagues) {
      for (const c of l.counties) {
        for (const cat of categories) {
          const r = route(cat.id, { county: c.name });
          const dept = departmentById(r.departmentId);
          expect(dept, `${c.name} ${cat.id}`).toBeDefined();
          expect(r.needsPlace).toBe(false);
          if (countyKinds.has(r.kind)) {
            expect(r.level, `${c.name} ${cat.id}`).toBe("county");
            expect(dept?.county).toBe(c.name);
          } else {
            expect(dept?.league).toBe(l.name);
          }
          checked++;
        }
      }
    }
    expect(checked).toBe(103 * categories.length);
  });
});
