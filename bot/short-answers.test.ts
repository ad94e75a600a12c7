import { describe, expect, it } from "vitest";
import {
  FOLLOW_UP_RESOLVED,
  FOLLOW_UP_UNRESOLVED,
  INTAKE_CANCEL,
  INTAKE_CONFIRM,
  INTAKE_DONT_KNOW,
  INTAKE_NO,
  INTAKE_YES,
  OFFER_NO,
  OFFER_YES,
} from "./short-answers.js";

// Every word below, and what each vocabulary made of it when bot/dialogue.ts and bot/complaint-dialogue.ts kept
// their own lists: the two places answer differently on purpose, and still do.
const WORDS = [
  ..."好 好的 好的呀。 可以 嗯 要 需要 是 是的 对 对的 行 联系 联系吧 麻烦了 ok OK 好啊 好累".split(" "),
  ..."不 不用 不用了 不要 不需要 算了 没事 暂时不用 不是 否 没有 不对 不同意 不行".split(" "),
  ..."取消 取消吧 退出 不投诉了 确认 确认提交 提交 没问题 没错 同意".split(" "),
  ..."已解决 解决了 已经解决 已经解决了 问题解决了 好了 满意 未解决 没解决 还没有 不满意".split(" "),
  ..."不知道 不清楚 跳过 无 不记得 可以不留电话吗 对了，地点写错了".split(" "),
];

const ANSWERS: Record<string, { re: RegExp; yes: string }> = {
  OFFER_YES: {
    re: OFFER_YES,
    yes: "好 好的 好的呀。 可以 嗯 要 需要 是 是的 行 联系 联系吧 麻烦了 ok OK 好啊",
  },
  OFFER_NO: { re: OFFER_NO, yes: "不 不用 不用了 不要 不需要 算了 没事 暂时不用" },
  FOLLOW_UP_RESOLVED: {
    re: FOLLOW_UP_RESOLVED,
    yes: "是 是的 已解决 解决了 已经解决 已经解决了 问题解决了 好了 满意",
  },
  FOLLOW_UP_UNRESOLVED: { re: FOLLOW_UP_UNRESOLVED, yes: "否 没有 未解决 没解决 还没有 不满意" },
  INTAKE_CANCEL: { re: INTAKE_CANCEL, yes: "不用了 算了 取消 取消吧 退出 不投诉了" },
  INTAKE_YES: {
    re: INTAKE_YES,
    yes: "好 好的 好的呀。 可以 嗯 是 是的 对 对的 行 ok OK 好啊 确认 没错 同意",
  },
  INTAKE_NO: { re: INTAKE_NO, yes: "不 不用 不要 不是 否 没有 不对 不同意 不行" },
  INTAKE_CONFIRM: { re: INTAKE_CONFIRM, yes: "可以 是 是的 对 对的 确认 确认提交 提交 没问题" },
  INTAKE_DONT_KNOW: { re: INTAKE_DONT_KNOW, yes: "没有 不知道 不清楚 跳过 无 不记得" },
};

describe("short answers", () => {
  for (const [name, { re, yes }] of Object.entries(ANSWERS)) {
    it(`${name} takes exactly the words it took before`, () => {
      expect(WORDS.filter((w) => re.test(w))).toEqual(WORDS.filter((w) => yes.split(" ").includes(w)));
    });
  }

  it("keeps the two vocabularies apart where they differ", () => {
    expect(OFFER_YES.test("需要")).toBe(true);
    expect(INTAKE_YES.test("需要")).toBe(false);
    expect(INTAKE_YES.test("对")).toBe(true);
    expect(OFFER_YES.test("对")).toBe(false);
    expect(OFFER_NO.test("算了")).toBe(true);
    expect(INTAKE_NO.test("算了")).toBe(false);
    expect(INTAKE_CANCEL.test("算了")).toBe(true);
    expect(INTAKE_NO.test("不是")).toBe(true);
    expect(OFFER_NO.test("不是")).toBe(false);
  });
});
