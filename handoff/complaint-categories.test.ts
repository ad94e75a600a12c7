import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { projectPath } from "../core/paths.js";
import { complaintCategories, inferCategory, loadComplaintCategories } from "./complaint-categories.js";

const top = (text: string, intent?: string) => inferCategory(text, intent).map((r) => r.category.id);

describe("complaint categories (data)", () => {
  const catalogue = loadComplaintCategories();

  it("covers the closed loop's main kinds of complaint, with a catch-all", () => {
    const ids = catalogue.categories.map((c) => c.id);
    for (const id of [
      "land-expropriation",
      "house-expropriation",
      "wage-arrears",
      "labour-dispute",
      "medical-dispute",
      "petition",
      "work-safety",
      "food-drug-safety",
      "telecom-fraud",
      "village-affairs",
      "grassland",
      "environment",
      "social-security",
      "other",
    ]) {
      expect(ids).toContain(id);
    }
  });

  it("maps every substantive classifier intent to exactly one category", () => {
    const file = JSON.parse(readFileSync(projectPath("intents", "data", "intents.json"), "utf8")) as {
      intents: { name: string }[];
    };
    const conversational = new Set([
      "greeting",
      "thanks",
      "goodbye",
      "ask_human",
      "case_status",
      "subscribe",
      "unsubscribe",
      "help",
      "out_of_scope",
    ]);
    for (const { name } of file.intents) {
      if (conversational.has(name)) continue;
      expect(catalogue.forIntent(name), name).toBeDefined();
    }
  });

  it("cites its sources: 信访 limits from the 2022 条例, service commitments labelled as such", () => {
    const petition = catalogue.get("petition");
    expect(petition.limits).toMatchObject({ acceptDays: 15, handleDays: 60, extensionDays: 30 });
    expect(petition.basis).toMatch(/《信访工作条例》/);
    expect(petition.basis).toMatch(/第三十四条/);
    expect(petition.statutory).toBe(true);
    for (const c of catalogue.categories) {
      if (!c.statutory) expect(c.basis, c.id).toMatch(/服务承诺/);
      if (c.limits.urgentBefore) expect(c.limits.urgentBefore.basis, c.id).toMatch(/服务承诺/);
    }
  });

  it("marks safety, wage arrears and food/drug safety urgent", () => {
    for (const id of ["work-safety", "wage-arrears", "food-drug-safety"])
      expect(catalogue.get(id).urgent).toBe(true);
    expect(catalogue.get("work-safety").limits.urgentHandleDays).toBeLessThanOrEqual(3);
    expect(catalogue.get("wage-arrears").limits.urgentBefore).toMatchObject({ holiday: "春节" });
    expect(catalogue.get("petition").urgent).toBe(false);
  });

  it("rejects an unknown id", () => {
    expect(catalogue.byId("nope")).toBeUndefined();
    expect(() => catalogue.get("nope")).toThrow(/未知的诉求类别/);
  });
});

describe("inferCategory (colloquial texts)", () => {
  it("老板拖欠工资三个月了 → wage arrears", () => {
    const [first] = inferCategory("老板拖欠工资三个月了");
    expect(first?.category.id).toBe("wage-arrears");
    expect(first?.matched).toContain("拖欠工资");
  });

  it("村里征地补偿款被村干部扣了 → land expropriation and village affairs, both ranked on top", () => {
    const ranked = top("村里征地补偿款被村干部扣了");
    expect(ranked.slice(0, 2).sort()).toEqual(["land-expropriation", "village-affairs"]);
  });

  it("工地脚手架随时会塌 → work safety, urgent", () => {
    const [first] = inferCategory("工地脚手架随时会塌");
    expect(first?.category.id).toBe("work-safety");
    expect(first?.urgent).toBe(true);
    // A hazard with no sign of imminent danger is still a safety report, not an emergency.
    const [calm] = inferCategory("厂里的灭火器都过期了没人管，有安全隐患");
    expect(calm?.category.id).toBe("work-safety");
    expect(calm?.urgent).toBe(false);
  });

  it("reads other everyday phrasings", () => {
    expect(top("在工地干了半年工资一分没给")[0]).toBe("wage-arrears");
    expect(top("公司辞退我不给补偿")[0]).toBe("labour-dispute");
    expect(top("在医院做完手术腿反而瘸了，医生说不是他们的责任")[0]).toBe("medical-dispute");
    expect(top("刚刚有人冒充客服让我转账")[0]).toBe("telecom-fraud");
    expect(inferCategory("刚刚有人冒充客服让我转账")[0]?.urgent).toBe(true);
    expect(top("楼下饭店噪音太大晚上睡不着")[0]).toBe("environment");
    expect(top("家里低保被取消了也没人说原因")[0]).toBe("social-assistance");
    expect(top("嘎查的草场被人偷牧，禁牧补贴也没发")[0]).toBe("grassland");
    expect(top("旁边化工厂往河里偷排污水，河水都发黑了")[0]).toBe("environment");
    expect(top("我家要被强拆了，拆迁补偿太低")[0]).toBe("house-expropriation");
    expect(top("上访好几次了，信访件一直没有答复")[0]).toBe("petition");
    // Birth permits are family planning, though the letter is about a residence committee and hukou.
    expect(top("社区说要先交钱才给开二胎准生证，我户口在这边")[0]).toBe("health-services");
    // Road fittings are the city's roads department; driving tests are the traffic police's 车管所, not transport.
    expect(top("新修的路上减速带一个挨一个，修得太高，底盘都刮了")[0]).toBe("urban-management");
    expect(top("驾考预约了三个月还排不上，增驾更难")[0]).toBe("public-order");
    // A village's road is the transport bureau's (农村公路), a town's street the city's.
    expect(top("我们嘎查到苏木的路全是砂石，一下雨就走不了")[0]).toBe("transport");
    expect(top("组里通往镇上的土路一下雨全是泥，孩子上学难")[0]).toBe("transport");
    expect(top("小区门口那段马路坑坑洼洼，路灯也不亮")[0]).toBe("urban-management");
    // Teachers' pay and titles are the education bureau's (the taxonomy's 教师队伍和待遇), not a wage dispute.
    expect(top("苏木中心校拖欠代课教师工资半年了")[0]).toBe("education");
  });

  it("food poisoning is urgent, an expired snack is not", () => {
    const [poison] = inferCategory("吃了饭店的东西全家上吐下泻");
    expect(poison?.category.id).toBe("food-drug-safety");
    expect(poison?.urgent).toBe(true);
    const [expired] = inferCategory("超市卖过期食品");
    expect(expired?.category.id).toBe("food-drug-safety");
    expect(expired?.urgent).toBe(false);
  });

  it("uses the classifier's intent, alone or to break a tie", () => {
    expect(top("我想反映个事", "land_expropriation")[0]).toBe("land-expropriation");
    expect(top("村里征地补偿款被村干部扣了", "village_affairs")[0]).toBe("village-affairs");
    expect(inferCategory("我想反映个事", "land_expropriation")[0]?.byIntent).toBe(true);
  });

  it("never returns nothing: unknown texts go to the catch-all", () => {
    const r = inferCategory("你好，请问一下");
    expect(r.map((x) => x.category.id)).toEqual(["other"]);
    expect(r[0]?.score).toBe(0);
  });

  it("tolerates full-width characters and spaces", () => {
    expect(top("老板 拖欠 工资，打１２３４５没用")[0]).toBe("wage-arrears");
  });

  it("is the same catalogue as the default one", () => {
    expect(complaintCategories().version).toBe(loadComplaintCategories().version);
  });
});
