import { describe, expect, it } from "vitest";
import { readHarmSetting } from "./harm-setting.js";

describe("who is doing the harm", () => {
  it("reads the one doing it, not a place or person named in passing", () => {
    expect(readHarmSetting("我爸天天打我，身上都是伤，都不敢穿短袖去学校")).toBe("family");
    expect(readHarmSetting("饭店的老板娘动不动扇我耳光")).toBe("work");
    expect(readHarmSetting("俺男人喝了酒就拿皮带抽俺")).toBe("family");
    expect(readHarmSetting("放网贷的说不还钱就去我女儿学校闹")).toBe("outside");
    expect(readHarmSetting("班上几个人天天堵我要钱")).toBe("school");
    expect(readHarmSetting("领导好，工地上工头打人了")).toBe("work");
    expect(readHarmSetting("他把我锁在屋里，手机也收走了")).toBeUndefined();
    // 被人 is by someone outside; by a family member, the family.
    expect(readHarmSetting("在集上被人打了，鼻子流血")).toBe("outside");
    expect(readHarmSetting("被人身威胁了好几次，是我老公")).toBe("family");
  });
});
